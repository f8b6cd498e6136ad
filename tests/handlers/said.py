"""What the bot said, as a person in Slack reads it, for the e911 / cnam / balance scenarios."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from bot import keys
from bot.console.slack_stub import Call
from tests.slack import ADMIN, TEAM, BotUnderTest

__all__ = ["audited", "reply", "said"]


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") in ("mrkdwn", "plain_text") and "text" in node else []
        return own + [t for key, value in node.items() if key != "text" or not own for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def said(call: Call) -> str:
    """Every text of a message: its blocks (sections, fields, context, buttons), else its fallback text."""
    return "\n".join(_texts(call.blocks)) or call.text


async def reply(bot: BotUnderTest, text: str, user: str = ADMIN) -> str:
    """Run `/number <text>`; what came back after the ack (or the ack itself)."""
    ack = await bot.command(text, user=user)
    replies = bot.replies(ack.key)
    return said(replies[-1]) if replies else ack.text


async def audited(redis: Redis, action: str) -> list[tuple[str, str]]:
    """The team's audit entries for `action`, oldest first: (outcome, detail)."""
    return [(f["outcome"], f["detail"]) for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == action]
