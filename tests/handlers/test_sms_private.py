"""`sms-to … --private`: the channel gets the sender and time; View message shows the text to the
clicker alone while it is kept (SMS_REVEAL_TTL_SECONDS), audited without the text."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.console.slack_stub import SlackStub
from tests.conftest import BotFactory, make_settings
from tests.handlers.conftest import pooled
from tests.slack import ADMIN, TEAM, BotUnderTest
from tests.webhooks import (
    SMS_CHANNEL,
    deliver,
    posts,
    query_for,
    route_number,
    route_of,
    sandbox_sms,
    sms_channel,
)

NUMBER = "+442079460123"
BODY = "Your Acme verification code is 482-913. It expires in 10 minutes."
VIEWER = "U0VIEWER"


@pytest.fixture
async def private(bot: BotUnderTest, slack: SlackStub, redis: Redis) -> dict[str, str]:
    sms_channel(slack)
    await pooled(redis, NUMBER)
    await bot.command(f"grant <@{VIEWER}> viewer")
    return await route_number(bot, redis, NUMBER, private=True)


async def received(bot: BotUnderTest, slack: SlackStub, query: dict[str, str], text: str = BODY) -> str:
    """Deliver `text`; the View message button's value of its post."""
    await deliver(bot, "sandbox", query, json_body=sandbox_sms(NUMBER, text))
    post = posts(slack)[-1]
    (button,) = bot.buttons(post, ids.SMS_REVEAL)
    return str(button["value"])


async def test_a_private_post_carries_no_text_only_sender_time_and_view_message(
    bot: BotUnderTest, slack: SlackStub, redis: Redis, private: dict[str, str]
) -> None:
    await received(bot, slack, private)
    (post,) = posts(slack)
    shown = post.text + str(post.blocks)
    assert "482-913" not in shown
    assert "482913" not in shown
    assert "Acme" not in shown
    assert post.text == f"SMS to {NUMBER} from +447700900123 (private: View message shows the text)"
    assert "from *+447700900123*" in shown
    assert "received" in shown
    (button,) = bot.buttons(post)
    assert button["text"]["text"] == "View message"
    sms_id = button["value"]
    assert NUMBER not in sms_id
    ttl = await redis.pttl(keys.sms_body(TEAM, sms_id))
    assert 590_000 < ttl <= 600_000, "kept SMS_REVEAL_TTL_SECONDS (600) from receipt, no longer"


async def test_view_message_shows_the_text_to_the_clicker_alone_with_the_code_and_is_audited(
    bot: BotUnderTest, slack: SlackStub, redis: Redis, private: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    sms_id = await received(bot, slack, private)
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)  # as setup_logging has it in every process
    caplog.set_level(logging.DEBUG)
    try:
        await bot.click(ids.SMS_REVEAL, sms_id, user=VIEWER, key="reveal", channel=SMS_CHANNEL)
    finally:
        logging.getLogger("slack_sdk").setLevel(logging.NOTSET)
    (answer,) = bot.replies("reveal")
    assert answer.data["response_type"] == "ephemeral", "the clicker alone sees it"
    assert answer.data["replace_original"] is False, "the channel's post stays without the text"
    assert answer.blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Code: 482913", "emoji": True}}
    assert "> Your Acme verification code is 482-913. It expires in 10 minutes." in str(answer.blocks)
    assert answer.text.startswith("Code 482913 — SMS from +447700900123")
    (entry,) = [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "sms reveal"]
    assert (entry["actor"], entry["number"], entry["provider"], entry["outcome"]) == (VIEWER, NUMBER, "sandbox", "ok")
    assert entry["detail"].startswith("message from +447700900123 received ")
    assert "482-913" not in str(entry)
    assert "Acme" not in str(entry)
    assert all("Acme verification" not in r.getMessage() + repr(r.__dict__) for r in caplog.records)
    await bot.click(ids.SMS_REVEAL, sms_id, user=ADMIN, key="again", channel=SMS_CHANNEL)
    assert "Code: 482913" in str(bot.last("again").blocks), "every member with a role may view it while kept"


async def test_a_click_without_a_role_or_from_another_team_shows_nothing(
    bot: BotUnderTest, slack: SlackStub, redis: Redis, private: dict[str, str]
) -> None:
    sms_id = await received(bot, slack, private)
    await bot.click(ids.SMS_REVEAL, sms_id, user="U0STRANGER", key="stranger", channel=SMS_CHANNEL)
    assert "no numberbot role yet" in bot.last("stranger").text
    bot.team = "T0OTHER"
    await bot.command(f"grant <@{VIEWER}> viewer")  # an admin of the other workspace (BOT_ADMINS)
    await bot.click(ids.SMS_REVEAL, sms_id, user=VIEWER, key="elsewhere", channel=SMS_CHANNEL)
    assert bot.last("elsewhere").text == "This message is no longer kept."
    bot.team = TEAM
    shown = str([c.data for c in bot.replies("stranger") + bot.replies("elsewhere")])
    assert "482-913" not in shown
    assert not [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "sms reveal"]


async def test_after_the_reveal_time_the_button_says_it_expired(
    bot: BotUnderTest, slack: SlackStub, redis: Redis, private: dict[str, str]
) -> None:
    sms_id = await received(bot, slack, private)
    await redis.pexpire(keys.sms_body(TEAM, sms_id), 1)  # SMS_REVEAL_TTL_SECONDS passed in Redis
    await _gone(redis, keys.sms_body(TEAM, sms_id))
    await bot.click(ids.SMS_REVEAL, sms_id, user=VIEWER, key="late", channel=SMS_CHANNEL)
    (answer,) = bot.replies("late")
    assert answer.data["replace_original"] is True, "the post itself now says it expired"
    assert "⌛ Expired: the text is no longer kept" in str(answer.blocks)
    assert bot.buttons(answer) == []
    assert "482-913" not in str(answer.data)
    (entry,) = [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "sms reveal"]
    assert entry["outcome"] == "expired"


async def test_the_sweep_turns_an_expired_button_into_expired_in_the_channel(
    bot: BotUnderTest, slack: SlackStub, redis: Redis, private: dict[str, str]
) -> None:
    sms_id = await received(bot, slack, private)
    (post,) = posts(slack)
    delivery = bot.services.sms_delivery
    await delivery.expire_buttons(TEAM)
    assert slack.api_calls("chat.update") == [], "not before it expires"
    await redis.pexpire(keys.sms_body(TEAM, sms_id), 1)
    await _gone(redis, keys.sms_body(TEAM, sms_id))
    now = delivery.clock()
    delivery.clock = lambda: now + 601
    assert await delivery.expire_buttons(TEAM) == 1
    (update,) = slack.api_calls("chat.update")
    assert (update.data["channel"], update.data["ts"]) == (SMS_CHANNEL, post.answer["ts"])
    assert "⌛ Expired" in str(update.blocks)
    assert bot.buttons(update) == []
    assert await delivery.expire_buttons(TEAM) == 0, "once"


async def test_sms_reveal_ttl_seconds_sets_how_long_the_text_is_kept(
    make_bot: BotFactory, slack: SlackStub, redis: Redis
) -> None:
    bot = await make_bot(redis=redis, settings=make_settings(sms_reveal_ttl_seconds=45))
    sms_channel(slack)
    await pooled(redis, NUMBER)
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms> --private")
    assert "for 45 s" in bot.last(ack.key).text
    sms_id = await received(bot, slack, query_for(await route_of(redis, NUMBER), NUMBER))
    assert 40_000 < await redis.pttl(keys.sms_body(TEAM, sms_id)) <= 45_000


async def _gone(redis: Redis, key: str) -> None:
    for _ in range(100):
        if not await redis.exists(key):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{key} did not expire")
