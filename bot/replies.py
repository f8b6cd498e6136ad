"""A rendered message, the one function that turns it into Slack's arguments, and failures.

Renderers in `bot.blocks` decide whether a reply replaces the message it answers
(`replace_original`); `slack_args` is the only code that turns that into what Slack's ack,
`response_url` or Web API expect, so nothing downstream can silently override the choice.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import Field

from bot.errors import BotError, StorageUnavailable
from bot.metrics import REDIS_ERRORS
from bot.models import Frozen, new_id
from bot.store import STORAGE_ERRORS, PoolBusy

__all__ = ["Reply", "failure", "slack_args", "user_line"]

log = logging.getLogger("numberbot.replies")

Via = Literal["ack", "respond", "api"]


class Reply(Frozen):
    text: str
    blocks: list[dict[str, Any]] | None = None
    replace_original: bool = False  # replaces the message it answers (a clicked one, or the command's ack)
    in_channel: bool = False
    files: list[tuple[str, str]] = Field(default_factory=list)  # (filename, content) to upload


def slack_args(reply: Reply, via: Via) -> dict[str, Any]:
    """Slack's arguments for `reply`: an ack body, a response_url post, or a chat.* call."""
    args: dict[str, Any] = {"text": reply.text}
    if reply.blocks:
        args["blocks"] = reply.blocks
    if via in ("ack", "respond"):
        args["response_type"] = "in_channel" if reply.in_channel else "ephemeral"
    if via == "respond":
        args["replace_original"] = reply.replace_original
    return args


def user_line(exc: BaseException) -> str:
    """The one line a user sees for a failure; unexpected ones are logged with a reference."""
    if isinstance(exc, PoolBusy):
        REDIS_ERRORS.labels("pool_busy").inc()
    if isinstance(exc, BotError):
        return exc.user_message
    if isinstance(exc, STORAGE_ERRORS):
        REDIS_ERRORS.labels("unavailable").inc()
        log.warning("storage unavailable", extra={"error": type(exc).__name__})
        return StorageUnavailable().user_message
    ref = new_id()[:8]
    log.error("unexpected failure", exc_info=exc, extra={"ref": ref})
    return f"Something went wrong on the bot's side (ref {ref}); nothing more was done. Try again or tell an admin."


def failure(exc: BaseException) -> Reply:
    """A failure as a new message (never replacing what the user clicked)."""
    return Reply(text=user_line(exc))
