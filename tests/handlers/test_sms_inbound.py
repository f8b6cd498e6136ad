"""Inbound SMS through the real webhook: verified, posted once, in order, after the answer.

Webhook POSTs go into the real aiohttp app (`web_app`); the Slack stand-in can rate limit
(429 with Retry-After) or be unreachable, and the delivery's clock is moved instead of waited.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.console.slack_stub import SlackStub
from bot.sms_store import SmsStore
from tests.conftest import BotFactory
from tests.fakes import Recorder
from tests.handlers.conftest import pooled
from tests.slack import ADMIN, TEAM, BotUnderTest
from tests.webhooks import (
    SMS_CHANNEL,
    deliver,
    posts,
    route_number,
    sandbox_sms,
    sms_channel,
)

NUMBER = "+442079460123"
BODY = "Your Acme code is 318274. Don't share it."


@pytest.fixture
async def routed(bot: BotUnderTest, slack: SlackStub, redis: Redis) -> dict[str, str]:
    """NUMBER in the pool, its SMS routed to C0SMS; the query of its webhook URL."""
    sms_channel(slack)
    await pooled(redis, NUMBER)
    return await route_number(bot, redis, NUMBER)


def later(bot: BotUnderTest, seconds: float) -> None:
    """Move the delivery's clock on (instead of waiting)."""
    now = bot.services.sms_delivery.clock()
    bot.services.sms_delivery.clock = lambda: now + seconds


async def test_an_inbound_sms_posts_once_and_a_retried_one_posts_nothing_more(
    bot: BotUnderTest, slack: SlackStub, routed: dict[str, str]
) -> None:
    first = await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, BODY, message_id="abc-1"))
    assert (first.status, first.body) == (200, {"received": 1})
    (post,) = posts(slack)
    assert post.text == f"SMS to {NUMBER} from +447700900123: Your Acme code is 318274. Don't share it."
    assert "> Your Acme code is 318274. Don't share it." in str(post.blocks)
    assert "received" in str(post.blocks)
    retried = await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, BODY, message_id="abc-1"))
    assert retried.status == 200, "the provider must stop retrying"
    assert len(posts(slack)) == 1
    other = await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, "second", message_id="abc-2"))
    assert other.status == 200
    assert [p.text.rsplit(": ", 1)[1] for p in posts(slack)] == [BODY, "second"]


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"token": "forged-token-forged-token-forged-token"}, 403, "bad-token"),
        ({"token": ""}, 403, "bad-token"),
        ({"number": "442079460999"}, 404, "unrouted"),
        ({"team": "T0ELSE"}, 404, "unrouted"),
        ({"team": "t0 bad"}, 404, "unknown-route"),
    ],
)
async def test_an_unverified_webhook_is_refused_counted_and_posts_nothing(
    bot: BotUnderTest, slack: SlackStub, redis: Redis, routed: dict[str, str], change: dict, status: int, reason: str
) -> None:
    query = {**routed, **change}
    answer = await deliver(bot, "sandbox", query, json_body=sandbox_sms(NUMBER, BODY))
    assert (answer.status, answer.body) == (status, {"error": reason})
    assert posts(slack) == []
    assert await SmsStore(redis).refusals() == {f"sandbox:{reason}": 1}
    assert await redis.exists(keys.sms_seen(TEAM)) == 0, "a refused message id is not remembered"


async def test_a_message_for_another_number_or_a_provider_not_enabled_is_refused(
    bot: BotUnderTest, slack: SlackStub, redis: Redis, routed: dict[str, str]
) -> None:
    wrong = await deliver(bot, "sandbox", routed, json_body=sandbox_sms("+442079460999", BODY))
    assert wrong.status == 403
    vonage = await deliver(bot, "vonage", routed, json_body=sandbox_sms(NUMBER, BODY))
    assert vonage.status == 404
    malformed = await deliver(bot, "sandbox", routed, json_body={"to": NUMBER})
    assert malformed.status == 400
    assert posts(slack) == []
    assert await SmsStore(redis).refusals() == {
        "sandbox:wrong-number": 1,
        "unknown:unknown-provider": 1,
        "sandbox:malformed": 1,
    }


async def test_the_webhook_is_answered_before_the_post_to_slack(
    bot: BotUnderTest, slack: SlackStub, routed: dict[str, str]
) -> None:
    slack.delays["chat.postMessage"] = 1.5  # a slow Slack
    answer = await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, BODY), settle=False)
    assert answer.status == 200
    assert answer.seconds < 0.5, "the provider never waits for Slack"
    assert posts(slack) == []
    await bot.settle()
    assert len(posts(slack)) == 1, "posted after the answer"


async def test_messages_received_while_slack_is_down_arrive_in_order_afterwards(
    bot: BotUnderTest, slack: SlackStub, redis: Redis, routed: dict[str, str]
) -> None:
    await slack.go_down()
    for i in range(1, 5):
        answer = await deliver(
            bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, f"message {i}", message_id=f"m{i}")
        )
        assert answer.status == 200
    assert await redis.llen(keys.sms_queue(TEAM, NUMBER)) == 4
    await slack.come_back()
    await bot.services.sms_delivery.run_once()
    assert posts(slack) == [], "not before the backoff has passed"
    later(bot, 10)
    await bot.services.sms_delivery.run_once()
    assert [p.text.rsplit(": ", 1)[1] for p in posts(slack)] == ["message 1", "message 2", "message 3", "message 4"]
    assert await redis.llen(keys.sms_queue(TEAM, NUMBER)) == 0
    assert await SmsStore(redis).pending(TEAM) == set()
    assert await redis.keys("*sms:body*") == [], "a posted text is not kept"


async def test_a_rate_limited_post_waits_for_retry_after_then_keeps_the_order(
    bot: BotUnderTest, slack: SlackStub, routed: dict[str, str]
) -> None:
    slack.rate_limit("chat.postMessage", 30)
    await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, "first", message_id="r1"))
    await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, "second", message_id="r2"))
    attempts = len(slack.api_calls("chat.postMessage"))
    assert attempts == 1, "the second waits behind the first instead of asking Slack again"
    slack.rate_limit("chat.postMessage", None)
    later(bot, 29)
    await bot.services.sms_delivery.run_once()
    assert posts(slack) == [], "Retry-After: 30 is honoured"
    later(bot, 31)
    await bot.services.sms_delivery.run_once()
    assert [p.text.rsplit(": ", 1)[1] for p in posts(slack)] == ["first", "second"]


def stuck_notices(slack: SlackStub) -> list[str]:
    """What the router was told in a DM about posts Slack refuses."""
    return [
        c.text for c in slack.api_calls("chat.postMessage") if c.data.get("channel") == ADMIN and c.answer.get("ok")
    ]


async def test_a_channel_slack_refuses_keeps_the_queue_and_tells_the_router_once_a_day(
    bot: BotUnderTest, slack: SlackStub, redis: Redis, routed: dict[str, str]
) -> None:
    slack.channels[SMS_CHANNEL].archived = True  # archived after routing: Slack answers is_archived
    for i in (1, 2):
        assert (
            await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, f"a{i}", message_id=f"a{i}"))
        ).status == 200
    assert posts(slack) == []
    (notice,) = stuck_notices(slack)
    assert f"SMS to {NUMBER} cannot be posted in <#{SMS_CHANNEL}>: the channel is archived." == notice
    later(bot, 61)
    await bot.services.sms_delivery.run_once()
    assert len(stuck_notices(slack)) == 1, "told once, not at every retry"
    assert await redis.llen(keys.sms_queue(TEAM, NUMBER)) == 2, "the texts wait, in order"
    slack.channels[SMS_CHANNEL].archived = False
    later(bot, 200)
    await bot.services.sms_delivery.run_once()
    assert [p.text.rsplit(": ", 1)[1] for p in posts(slack)] == ["a1", "a2"]
    slack.channels[SMS_CHANNEL].archived = True
    await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, "a3", message_id="a3"))
    assert len(stuck_notices(slack)) == 2, "refused again after Slack took posts: news again"
    sms_channel(slack, channel="C0OTHER")
    ack = await bot.command(f"sms-to {NUMBER} <#C0OTHER|other>")
    assert "now go to" in bot.last(ack.key).text
    slack.channels["C0OTHER"].archived = True  # this one is archived after routing too
    later(bot, 200)
    await bot.services.sms_delivery.run_once()
    assert stuck_notices(slack)[-1].endswith("cannot be posted in <#C0OTHER>: the channel is archived.")
    assert len(stuck_notices(slack)) == 3, "routed to another channel that refuses: told about that one"


async def test_two_processes_post_a_queue_once_and_in_order(
    make_bot: BotFactory, slack: SlackStub, redis: Redis, sandbox: Recorder, routed: dict[str, str], bot: BotUnderTest
) -> None:
    other = await make_bot(redis=redis, providers={"sandbox": sandbox})
    await slack.go_down()
    for i in range(1, 7):
        await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, f"n{i}", message_id=f"n{i}"))
    await slack.come_back()
    for process in (bot, other):
        later(process, 60)
    await asyncio.gather(*(p.services.sms_delivery.run_once() for p in (bot, other, bot, other)))
    assert [p.text.rsplit(": ", 1)[1] for p in posts(slack)] == [f"n{i}" for i in range(1, 7)]


async def test_a_full_queue_makes_the_provider_retry(
    bot: BotUnderTest, slack: SlackStub, routed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.sms_store.MAX_QUEUE", 2)
    slack.rate_limit("chat.postMessage", 30)
    statuses = [
        (await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, "x", message_id=f"f{i}"))).status
        for i in range(3)
    ]
    assert statuses == [200, 200, 503]
    slack.rate_limit("chat.postMessage", None)
    later(bot, 60)
    await bot.services.sms_delivery.run_once()
    retried = await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, "x", message_id="f2"))
    assert retried.status == 200, "the refused one was not remembered as seen"
    assert len(posts(slack)) == 3


async def test_what_an_sms_says_is_shown_literally(bot: BotUnderTest, slack: SlackStub, routed: dict[str, str]) -> None:
    text = "<!channel> urgent <https://evil.example|your bank> & <@U0ADMIN>"
    await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, text, sender="<!here>"))
    (post,) = posts(slack)
    shown = str(post.blocks) + post.text
    assert "<!channel>" not in shown
    assert "<!here>" not in shown
    assert "<https://" not in shown
    assert "&lt;!channel&gt; urgent &lt;https://evil.example|your bank&gt; &amp; &lt;@U0ADMIN&gt;" in shown


async def test_no_message_text_reaches_a_log_line(
    bot: BotUnderTest, slack: SlackStub, routed: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "SECRET-BODY-7731 code 552211"
    caplog.set_level(logging.DEBUG)  # everything, even DEBUG, of the bot and of the libraries
    await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, secret, message_id="L1"))
    await deliver(bot, "sandbox", {**routed, "token": "forged"}, json_body=sandbox_sms(NUMBER, secret, message_id="L2"))
    await deliver(bot, "sandbox", routed, json_body={"to": NUMBER, "text": secret})  # malformed
    slack.rate_limit("chat.postMessage", 5)
    await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, secret, message_id="L3"))
    await slack.go_down()
    later(bot, 10)
    await bot.services.sms_delivery.run_once()
    await slack.come_back()
    assert caplog.records, "the refusals and Slack's trouble were logged"
    for record in caplog.records:
        line = record.getMessage() + repr(record.__dict__) + (record.exc_text or "")
        assert "SECRET-BODY" not in line
        assert routed["token"] not in line, "nor the webhook's token"


async def test_an_oversized_webhook_is_refused_without_being_read_further(
    bot: BotUnderTest, slack: SlackStub, redis: Redis, routed: dict[str, str]
) -> None:
    huge = sandbox_sms(NUMBER, "x" * 70_000)
    assert (await deliver(bot, "sandbox", routed, json_body=huge)).status == 413
    assert (await deliver(bot, "made-up", routed, json_body=huge)).status == 413
    assert posts(slack) == []
    assert await SmsStore(redis).refusals() == {"sandbox:too-large": 1, "unknown:too-large": 1}


async def test_every_process_sweeps_its_queues_without_being_asked(
    bot: BotUnderTest, slack: SlackStub, routed: dict[str, str]
) -> None:
    """The sweep runs beside the web app (started and stopped with it): what waits is posted
    once it is due, with no webhook and no call to the delivery."""
    slack.rate_limit("chat.postMessage", 1)
    await deliver(bot, "sandbox", routed, json_body=sandbox_sms(NUMBER, "waited", message_id="w1"))
    slack.rate_limit("chat.postMessage", None)
    await slack.wait_for(lambda calls: bool(posts(slack)), timeout=6)
    assert [p.text.rsplit(": ", 1)[1] for p in posts(slack)] == ["waited"]
