"""Small Block Kit constructors shared by the views (pure functions, dicts out)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.models import Feature, NumberType
from bot.mrkdwn import escape

__all__ = [
    "SANDBOX_NOTE",
    "Block",
    "actions",
    "button",
    "context",
    "divider",
    "escape",
    "features_text",
    "fields",
    "header",
    "provider_text",
    "section",
    "type_text",
    "when",
]

Block = dict[str, Any]

SANDBOX_NOTE = "Sandbox numbers are simulated: nothing real is bought, forwarded or released."


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def fields(pairs: list[tuple[str, str]], text: str | None = None) -> Block:
    block: Block = {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{value}"[:2000]} for label, value in pairs[:10]],
    }
    if text:
        block["text"] = {"type": "mrkdwn", "text": text[:3000]}
    return block


def context(*lines: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": line[:3000]} for line in lines[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:75], "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def provider_text(name: str, simulated: frozenset[str] = frozenset()) -> str:
    """A provider's name, marked when what it does is simulated (the sandbox)."""
    return f"{name} (simulated)" if name in simulated else name


def features_text(features: frozenset[Feature]) -> str:
    return ", ".join(f.value for f in sorted(features)) or "none listed"


def type_text(number_type: NumberType | None) -> str:
    return number_type.value if number_type else "type unknown"


def when(moment: datetime, *, now: datetime | None = None) -> str:
    """A time as UTC text plus how far away it is (readable in Slack and the console)."""
    moment = moment.astimezone(UTC)
    delta = (moment - (now or datetime.now(UTC))).total_seconds()
    shown = moment.strftime("%Y-%m-%d %H:%M UTC")
    if abs(delta) < 3600 * 24:
        minutes = max(0, round(delta / 60))
        return f"{shown} (in {minutes} min)" if delta >= 0 else f"{shown} (passed)"
    return shown
