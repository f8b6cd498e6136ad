"""`/number audit export` through signed requests: only the admin who asked sees it, and no
cell or character that a user typed can run in a spreadsheet or break out of the code block."""

from __future__ import annotations

import csv
import io

import pytest
from redis.asyncio import Redis

from bot.audit import AuditLog, entry_fields
from bot.console.slack_stub import SlackStub
from bot.mrkdwn import BACKTICK_STAND_IN
from tests.handlers.conftest import pooled
from tests.handlers.test_commands import grant
from tests.slack import ADMIN, CHANNEL, TEAM, BotUnderTest

# What a spreadsheet would run, one per dangerous first character (tab and CR cannot be typed
# into a slash command, so the log is also seeded through its store).
FORMULAS = [
    '=HYPERLINK("https://evil.example","invoice")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


async def seed(redis: Redis, details: list[str]) -> None:
    log = AuditLog(redis)
    for detail in details:
        await log.record(TEAM, entry_fields(actor="U0MALLORY", action="name", number="+442079460123", detail=detail))


async def test_a_small_export_is_an_ephemeral_code_block_that_nothing_typed_can_break(
    bot: BotUnderTest, redis: Redis, slack: SlackStub
) -> None:
    number = await pooled(redis)
    await bot.command(f"name {number} ``` <!channel> <https://evil.example|invoice> & co")
    ack = await bot.command("audit export")
    reply = bot.last(ack.key)
    assert reply.data["response_type"] == "ephemeral"
    text = reply.text
    assert text.count("```") == 2, "the user's backticks cannot close the code block"
    assert BACKTICK_STAND_IN * 3 in text
    assert "&lt;!channel&gt;" in text
    assert "&lt;https://evil.example|invoice&gt;" in text
    assert "&amp; co" in text
    assert "<!channel>" not in text
    assert "<https://" not in text
    assert slack.api_calls("chat.postMessage") == []


async def test_a_large_export_is_a_csv_sent_to_the_admin_alone_with_every_formula_neutralised(
    bot: BotUnderTest, redis: Redis, slack: SlackStub
) -> None:
    number = await pooled(redis)
    await bot.command(f'name {number} =HYPERLINK("https://evil.example","x")')
    await seed(redis, FORMULAS + [f"plain {i}" for i in range(15)])
    ack = await bot.command("audit export")
    assert "sent to you in a direct message" in bot.last(ack.key).text
    assert bot.last(ack.key).data["response_type"] == "ephemeral"

    (opened,) = slack.api_calls("conversations.open")
    assert opened.data["users"] == ADMIN
    (completed,) = slack.api_calls("files.completeUploadExternal")
    assert completed.data["channel_id"] == opened.answer["channel"]["id"]
    assert completed.data["channel_id"] != CHANNEL
    assert slack.api_calls("chat.postMessage") == []

    (uploaded,) = [c for c in slack.calls if c.kind == "upload"]
    rows = list(csv.reader(io.StringIO(uploaded.data["content"])))
    header, entries = rows[0], rows[1:]
    assert header == ["time_utc", "actor", "action", "number", "provider", "cost", "outcome", "detail"]
    details = [row[7] for row in entries]
    for formula in [*FORMULAS, '=HYPERLINK("https://evil.example","x")']:
        assert "'" + formula in details, formula
    assert "plain 3" in details, "harmless cells are left as they are"
    assert all(row[3] == "'+442079460123" for row in entries if row[3])
    for row in entries:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row), row


async def test_an_export_that_cannot_reach_the_admins_dm_is_not_posted_anywhere_else(
    bot: BotUnderTest, redis: Redis, slack: SlackStub
) -> None:
    await seed(redis, [f"entry {i}" for i in range(20)])
    slack.failures["conversations.open"] = "missing_scope"
    ack = await bot.command("audit export")
    assert "Could not send you the file in a direct message (Slack: missing_scope)" in bot.last(ack.key).text
    assert slack.api_calls("files.completeUploadExternal") == []
    assert [c for c in slack.calls if c.kind == "upload"] == []


@pytest.mark.parametrize("role", ["viewer", "approver"])
async def test_only_admins_may_export(bot: BotUnderTest, role: str) -> None:
    await grant(bot, "U0OTHER", role)
    ack = await bot.command("audit export", user="U0OTHER")
    assert "needs the admin role" in ack.text
