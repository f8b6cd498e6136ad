"""Structured (JSON) logs with every secret scrubbed before a line is written.

The secrets are those of bot.redact's registry: the configured ones (seeded here at start) and
the credentials adapters obtain at run time. They are scrubbed in every form they take on the
wire, from the message, its arguments, the traceback and every extra field, however deeply the
value sits in dicts and lists.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from bot.redact import REDACTED, SECRETS, SecretRegistry

__all__ = ["REDACTED", "RedactSecrets", "setup_logging"]

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_PLAIN = (int, float, bool, type(None))
_DEPTH = 8  # nested deeper than this, a value is written as its (scrubbed) text


class RedactSecrets(logging.Filter):
    """Replace secret values wherever they appear: message, arguments, extras, traceback."""

    def __init__(self, secrets: Iterable[str] | SecretRegistry) -> None:
        super().__init__()
        self.registry = secrets if isinstance(secrets, SecretRegistry) else SecretRegistry(secrets)

    def _clean(self, value: Any, depth: int = 0) -> Any:
        """`value` with every secret scrubbed; containers are copied, never changed in place."""
        scrub = self.registry.scrub
        if isinstance(value, str):
            return scrub(value)
        if isinstance(value, _PLAIN):
            return value
        if depth < _DEPTH and isinstance(value, dict):
            return {self._clean(k, depth + 1): self._clean(v, depth + 1) for k, v in value.items()}
        if depth < _DEPTH and isinstance(value, list | tuple | set | frozenset):
            return [self._clean(v, depth + 1) for v in value]
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        scrubbed = scrub(text)
        return scrubbed if scrubbed != text or isinstance(value, bytes) else value

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.registry:
            return True
        scrub = self.registry.scrub
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD:
                setattr(record, key, self._clean(value))
        return True


def setup_logging(secrets: Iterable[str], *, json_lines: bool = True, level: int = logging.INFO) -> None:
    """Log to stderr through the scrubbing filter; `secrets` seed the process-wide registry."""
    SECRETS.reset(secrets)
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"levelname": "level", "asctime": "time"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(SECRETS))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Client libraries log request URLs and headers at INFO/DEBUG: keep them quiet.
    for name in ("httpx", "httpcore", "slack_sdk", "slack_bolt", "aiohttp.access", "asyncio"):
        logging.getLogger(name).setLevel(logging.WARNING)
