"""Text that Slack renders as mrkdwn: how user-typed (or provider-given) text is made inert.

Slack reads ``<…>`` as a mention, a broadcast (``<!channel>``, ``<!here>``) or a link whose label
can disguise its target (``<https://evil|your invoice>``), and ``&`` starts an entity. Escaping
those three characters makes such text show literally. Inside a code block a backtick would end
the block, so `code_text` also turns backticks into a look-alike that cannot.
"""

from __future__ import annotations

__all__ = ["BACKTICK_STAND_IN", "code_text", "escape", "quoted"]

BACKTICK_STAND_IN = "\u02cb"  # ˋ MODIFIER LETTER GRAVE ACCENT: looks like ` but closes nothing
QUOTED_MAX = 40


def escape(text: str) -> str:
    """Escape text for mrkdwn (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code_text(text: str) -> str:
    """Text to show inside a code block: escaped, and no backtick that could close the block."""
    return escape(text).replace("`", BACKTICK_STAND_IN)


def quoted(raw: str) -> str:
    """What the user typed, echoed back in a message: quoted, shortened, escaped."""
    shown = raw if len(raw) <= QUOTED_MAX else raw[: QUOTED_MAX - 1] + "…"
    return f"'{escape(shown)}'"
