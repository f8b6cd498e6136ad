"""The secrets log lines must never carry, in every form they take on the wire.

A secret travels as itself, percent-encoded in a URL or a form, escaped inside JSON, and, for a
key pair, as HTTP Basic ``base64(key:secret)``. `SECRETS` is the process-wide registry the log
filter (bot.logs) reads: it is seeded from the settings at start, and an adapter that obtains a
credential at run time (Kazoo's auth token) adds it with `remember` as soon as it has it.

A short secret (under `SHORT` characters) is scrubbed only where it stands as a word of its own,
so that it neither mangles every longer word containing it nor reveals itself by where the
``[redacted]`` marks land.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["REDACTED", "SECRETS", "SHORT", "SecretRegistry", "basic_credential", "remember", "wire_forms"]

REDACTED = "[redacted]"
SHORT = 8
LEARNED_MAX = 64  # runtime credentials kept (a token renewed hourly stays covered for days)


def basic_credential(user: str, password: str) -> str:
    """What HTTP Basic sends for a key pair: base64("user:password")."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def wire_forms(secret: str) -> set[str]:
    """`secret` as sent: raw, percent-encoded (path, query or form) and JSON-escaped."""
    forms = {secret, quote(secret), quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
    return {form for form in forms if form}


def _alternative(form: str) -> str:
    escaped = re.escape(form)
    return escaped if len(form) >= SHORT else rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])"


class SecretRegistry:
    """Configured secrets plus credentials learned at run time; `scrub` removes them all."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._configured: set[str] = set()
        self._learned: OrderedDict[str, None] = OrderedDict()
        self._pattern: re.Pattern[str] | None = None
        self.reset(secrets)

    def reset(self, secrets: Iterable[str]) -> None:
        """Start over with these configured secrets (logging is set up once per process)."""
        with self._lock:
            self._configured = {s for s in secrets if s and s.strip()}
            self._learned.clear()
            self._compile()

    def remember(self, secret: str) -> None:
        """Add a credential obtained at run time; the oldest learned ones are forgotten first."""
        if not secret or not secret.strip():
            return
        with self._lock:
            if secret in self._configured:
                return
            if secret in self._learned:
                self._learned.move_to_end(secret)
                return
            self._learned[secret] = None
            while len(self._learned) > LEARNED_MAX:
                self._learned.popitem(last=False)
            self._compile()

    def _compile(self) -> None:
        forms = set().union(*(wire_forms(s) for s in (*self._configured, *self._learned)))
        ordered = sorted(forms, key=len, reverse=True)  # the longest form wins where they overlap
        self._pattern = re.compile("|".join(_alternative(f) for f in ordered)) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def scrub(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub(REDACTED, text) if pattern is not None else text


SECRETS = SecretRegistry()


def remember(secret: str) -> None:
    """Scrub `secret` from every log line from now on (a credential obtained at run time)."""
    SECRETS.remember(secret)
