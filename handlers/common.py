"""What every listener does the same way: who is calling, one-line errors, replies."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import BotError, StorageUnavailable
from bot.keys import UnsafeKey
from bot.models import Caller, Role
from bot.quotes import new_id
from bot.replies import Reply
from bot.store import STORAGE_ERRORS

if TYPE_CHECKING:
    from bot.app import Services

__all__ = ["Click", "after_ack", "caller_from", "on_click", "respond_with", "services", "upload_files", "user_line"]

log = logging.getLogger("numberbot.handlers")


def services(context: dict[str, Any]) -> Services:
    return context["nb"]  # type: ignore[no-any-return]


def caller_from(body: dict[str, Any]) -> Caller:
    """Who and where, from a slash command (flat form) or an interactive payload."""
    if "command" in body:  # slash command
        return Caller(
            team_id=body["team_id"],
            user_id=body["user_id"],
            channel_id=body.get("channel_id"),
            response_url=body.get("response_url"),
        )
    team = (body.get("team") or {}).get("id") or body["user"].get("team_id")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return Caller(
        team_id=team,
        user_id=body["user"]["id"],
        channel_id=channel,
        response_url=body.get("response_url"),
    )


def user_line(exc: BaseException) -> str:
    """The one line a user sees for a failure; unexpected ones are logged with a reference."""
    if isinstance(exc, BotError):
        return exc.user_message
    if isinstance(exc, UnsafeKey):
        return "This button is not valid (any more); run the command again."
    if isinstance(exc, STORAGE_ERRORS):
        log.warning("storage unavailable", extra={"error": type(exc).__name__})
        return StorageUnavailable().user_message
    ref = new_id()[:8]
    log.error("unexpected failure", exc_info=exc, extra={"ref": ref})
    return f"Something went wrong on the bot's side (ref {ref}); nothing more was done. Try again or tell an admin."


async def upload_files(client: AsyncWebClient, caller: Caller, reply: Reply) -> None:
    """Upload a reply's files to the caller's channel, or to a DM when the bot is not in it."""
    for filename, content in reply.files:
        kwargs: dict[str, Any] = {"content": content, "filename": filename, "title": filename}
        try:
            await client.files_upload_v2(channel=caller.channel_id, **kwargs)
        except SlackApiError:
            opened = await client.conversations_open(users=caller.user_id)
            await client.files_upload_v2(channel=opened["channel"]["id"], **kwargs)


async def respond_with(respond: AsyncRespond, reply: Reply, *, replace: bool | None = None) -> None:
    kwargs: dict[str, Any] = {
        "text": reply.text,
        "response_type": "in_channel" if reply.in_channel else "ephemeral",
        "replace_original": reply.replace_original if replace is None else replace,
    }
    if reply.blocks:
        kwargs["blocks"] = reply.blocks
    try:
        await respond(**kwargs)
    except Exception:
        log.exception("could not respond to the user")


async def after_ack(
    work: Callable[[], Awaitable[Reply]], respond: AsyncRespond, *, replace: bool | None = None
) -> None:
    """Run provider work after Slack was acknowledged and report through response_url."""
    try:
        reply = await work()
    except Exception as exc:  # noqa: BLE001 - every failure becomes one clear line
        await respond_with(respond, Reply(text=user_line(exc)), replace=False)
        return
    await respond_with(respond, reply, replace=replace)


@dataclass(frozen=True)
class Click:
    """A button press: who, the button's value (an id, never trusted data), their role."""

    caller: Caller
    value: str
    role: Role | None
    progress: Callable[[Reply], Awaitable[None]]  # update the clicked message meanwhile


def on_click(
    work: Callable[[Services, Click], Awaitable[Reply]], *, replace: bool | None = None
) -> Callable[..., Awaitable[None]]:
    """A button listener: ack at once, then run `work` and report through response_url.

    The role gate middleware has already checked the clicker's role (in `context["role"]`).
    """

    async def listener(ack: Any, body: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]) -> None:
        svc = services(context)
        async with svc.lifecycle.work():
            await ack()

            async def progress(reply: Reply) -> None:
                await respond_with(respond, reply, replace=True)

            click = Click(caller_from(body), str(body["actions"][0].get("value", "")), context.get("role"), progress)
            await after_ack(lambda: work(svc, click), respond, replace=replace)

    listener.__name__ = listener.__qualname__ = f"on_{work.__name__}"
    return listener
