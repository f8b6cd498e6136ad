"""Block Kit → readable terminal text, with every button numbered so it can be clicked."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["mrkdwn_to_text", "plain_text", "render_blocks"]

_USER = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(?:https?://|tel:|mailto:)[^|>]*\|([^>]*)>")
_BARE_LINK = re.compile(r"<((?:https?://|tel:|mailto:)[^>]*)>")


def mrkdwn_to_text(text: str) -> str:
    text = _USER.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = _LINK.sub(r"\1", text)
    text = _BARE_LINK.sub(r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    text = text.replace("`", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_text(obj: Any) -> str:
    """A text object's text as written (no mrkdwn undone): labels, titles, options, button names."""
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return str(obj or "")


def _text(obj: dict[str, Any] | None) -> str:
    if not obj:
        return ""
    return mrkdwn_to_text(str(obj.get("text", "")))


def render_blocks(
    blocks: list[dict[str, Any]],
    number_button: Callable[[dict[str, Any], dict[str, Any]], int],
) -> list[str]:
    """Lines for a message; `number_button(element, block)` returns the button's number."""
    lines: list[str] = []

    def button_line(element: dict[str, Any], block: dict[str, Any]) -> str:
        n = number_button(element, block)
        style = {"primary": " (primary)", "danger": " (danger)"}.get(element.get("style", ""), "")
        return f"[{n}] {_text(element.get('text'))}{style}"

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {_text(block.get('text'))} ==")
        elif kind == "section":
            if block.get("text"):
                lines.extend(_text(block["text"]).splitlines())
            for field in block.get("fields", []):
                label, _, value = mrkdwn_to_text(field.get("text", "")).partition("\n")
                lines.append(f"  {label}: {value.replace(chr(10), ' | ')}")
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                lines.append("    " + button_line(accessory, block))
        elif kind == "context":
            for element in block.get("elements", []):
                lines.append(f"  ({_text(element)})")
        elif kind == "actions":
            buttons = [button_line(e, block) for e in block.get("elements", []) if e.get("type") == "button"]
            lines.append("  " + "   ".join(buttons))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "image":
            title = _text(block.get("title")) or "image"
            lines.append(f"[{title}: {block.get('alt_text', '')}]")
    return lines
