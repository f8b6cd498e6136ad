"""Text of SMS: what a user typed in Slack made plain again, and verification codes recognised.

Slack escapes a slash command's text (``&amp;``, ``&lt;``, ``&gt;``) and turns mentions, channels
and links into ``<…>`` tokens; an SMS must carry what the user meant, so `plain` undoes that.
`find_code` picks the one-time code out of a received message so that a reveal can show it
prominently; it only answers when the message says it is a code, never guessing at any number.
"""

from __future__ import annotations

import re

__all__ = ["find_code", "plain"]

_TOKEN = re.compile(r"<([^<>]*)>")
_KEYWORD = re.compile(
    r"\b(?:code|codes|otp|passcode|pass code|pin|verification|verify|verifying|security|login|log-in|sign-in|"
    r"one[- ]time|2fa|mfa|token|kod|kode|código|codigo|codice|verifizierung|bestätigungscode|"
    r"password|passwort|mot de passe)\b",
    re.IGNORECASE,
)
# 4-8 digits, or two groups of 3-4 split by one space or dash (123 456, 123-456), or G-123456;
# not glued to other digits, letters, a + (phone numbers) or a decimal point (amounts).
_CANDIDATE = re.compile(r"(?<![\w+.,:/-])(?:[A-Z]-)?(\d{3,4}[ -]\d{3,4}|\d{4,8})(?![\w:/-]|[.,]\d)")
_NEAR = 60  # characters between the keyword and the code


def plain(text: str) -> str:
    """Slack's escaped command text as the user typed it: `<@U1|ann>` → `@ann`, `&amp;` → `&`."""

    def token(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return label or "@" + target[1:].split("^")[0]
        return label or target.removeprefix("mailto:").removeprefix("tel:")

    unlinked = _TOKEN.sub(token, text)
    return unlinked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def find_code(text: str) -> str | None:
    """The verification code in `text`, digits only, or None when the text names no code."""
    keywords = [m.start() for m in _KEYWORD.finditer(text)]
    if not keywords:
        return None
    best: tuple[int, str] | None = None
    for match in _CANDIDATE.finditer(text):
        distance = min(abs(match.start() - k) for k in keywords)
        code = re.sub(r"\D", "", match.group(1))
        if distance <= _NEAR and (best is None or distance < best[0]):
            best = (distance, code)
    return best[1] if best else None
