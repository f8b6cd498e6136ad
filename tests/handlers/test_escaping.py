"""User-typed text shown in Slack is inert: `<!channel>`, `<!here>`, `<@U…>` and `<url|label>` show
literally, never notify or link. One test per place such text is rendered, through signed requests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.blocks import ids
from bot.console.slack_stub import SlackStub
from tests.handlers.conftest import pooled
from tests.handlers.test_approvals import APPROVER, approval_bot, requested
from tests.slack import BotUnderTest

CONTROLS = ("<!channel>", "<!here>", "<@U0VICTIM>", "<https://x.example|pay>")
HOSTILE = " ".join(CONTROLS)  # a name of 56 characters (names may have 60)
TOKEN = "<!here><@U0V><http://x.co|pay>"  # one word, for the places that echo a single word


def assert_inert(*shown: Any) -> None:
    """No control sequence survives anywhere in what Slack gets; each shows escaped instead."""
    text = json.dumps(shown)
    for raw in (*CONTROLS, "<!", "<@U0V", "<http"):
        assert raw not in text, f"{raw} reached Slack unescaped: {text}"
    assert "&lt;!here&gt;" in text


@pytest.fixture
async def named(bot: BotUnderTest, redis: Redis) -> str:
    number = await pooled(redis)
    ack = await bot.command(f"name {number} {HOSTILE}")
    reply = bot.last(ack.key)
    assert "is now named" in reply.text
    assert_inert(reply.text, reply.blocks)  # the `name` reply itself
    return number


async def test_a_name_in_the_pool_listing(bot: BotUnderTest, named: str) -> None:
    ack = await bot.command("list")
    listing = bot.last(ack.key)
    assert named in listing.text
    assert_inert(listing.text, listing.blocks)


async def test_a_name_in_info(bot: BotUnderTest, named: str) -> None:
    ack = await bot.command(f"info {named}")
    info = bot.last(ack.key)
    assert "&lt;!channel&gt;" in info.text
    assert_inert(info.text, info.blocks)


async def test_a_name_in_the_release_confirmation(bot: BotUnderTest, named: str) -> None:
    ack = await bot.command(f"release {named}")
    assert "Release" in ack.text
    assert_inert(ack.json)


async def test_a_name_in_the_audit_log(bot: BotUnderTest, named: str) -> None:
    ack = await bot.command("audit 5")
    assert "name" in ack.text
    assert_inert(ack.json)


async def test_a_deny_reason_in_the_approvals_channel_and_to_the_requester(
    make_bot, redis: Redis, slack: SlackStub
) -> None:
    bot = await approval_bot(make_bot, redis, None)
    quote_id, _ = await requested(bot, slack)
    await bot.click(ids.DENY, quote_id, user=APPROVER, key="approval-msg", channel="C0APPROVALS")
    (opened,) = slack.api_calls("views.open")
    values = {ids.REASON: {ids.REASON: {"type": "plain_text_input", "value": HOSTILE}}}
    ack = await bot.submit(opened.data["view"], values, user=APPROVER)
    assert ack.status == 200
    (updated,) = slack.api_calls("chat.update")
    assert "Denied by" in updated.text
    assert_inert(updated.data["text"], updated.data["blocks"])
    told = bot.last("requester-msg")
    assert "denied your request" in told.text
    assert_inert(told.text, told.blocks)


@pytest.mark.parametrize(
    "command",
    [
        f"search GB {TOKEN}",  # a pattern
        f"search {TOKEN}",  # a country
        f"search GB --provider {TOKEN}",
        f"search GB --type {TOKEN}",
        f"search GB --features {TOKEN}",
        f"search GB 20 {TOKEN}",
        f"list {TOKEN}",
        f"list --{TOKEN} x",
        f"info {TOKEN}",
        f"forward +442079460123 {TOKEN}",
        f"grant U0SOMEONE {TOKEN}",
        f"revoke {TOKEN}",
        f"budget {TOKEN}",
        f"adopt +442079460123 --provider {TOKEN}",
        f"{TOKEN} please",  # an unknown subcommand
    ],
)
async def test_what_the_user_typed_echoed_in_a_usage_line(bot: BotUnderTest, command: str) -> None:
    ack = await bot.command(command)
    assert "Usage" in ack.text or "Try /number help" in ack.text, ack.text
    assert_inert(ack.json)
