"""The envelope of every request: the services, the one authorization gate, the work after the ack.

The gate accepts only the payload types the app uses (a `/number` command, `block_actions`
with our action ids, `view_submission` of our forms, the `app_home_opened` event), looks
the request up in bot/access.py's table and checks the caller's role once, before any
listener runs. Anything else is refused, and every refusal still acknowledges Slack, with
the reason where Slack can show one. Listeners get the checked caller; none assumes a role.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands, grammar
from bot.access import Kind, Need, authorize, need_for
from bot.blocks import render
from bot.errors import BotError, InputError, PermissionDenied
from bot.models import Caller
from bot.outcomes import Outcome
from bot.replies import Reply, failure, slack_args, user_line

if TYPE_CHECKING:
    from bot.services import Services

__all__ = [
    "COMMAND",
    "acked",
    "after_ack",
    "checked_caller",
    "gate",
    "later",
    "parsed_command",
    "send",
    "services",
]

log = logging.getLogger("numberbot.handlers")

COMMAND = "/number"
_SERVICES, _CALLER, _COMMAND = "nb", "nb_caller", "nb_command"
_REQUEST, _OUTCOME = "nb_request", "nb_outcome"  # what was asked and how the gate answered (metrics)

Next = Callable[[], Awaitable[Any]]


def gate(svc: Services) -> Callable[..., Awaitable[Any]]:
    """The one middleware: the services into the context, then the authorization check."""

    async def middleware(context: dict[str, Any], body: dict[str, Any], next: Next) -> Any:  # noqa: A002 - Bolt's
        context[_SERVICES] = svc
        return await _check(context, body, next)

    return middleware


def services(context: dict[str, Any]) -> Services:
    return context[_SERVICES]  # type: ignore[no-any-return]


def checked_caller(context: dict[str, Any]) -> Caller:
    """The caller as the gate checked them (with their role); listeners never build their own."""
    return context[_CALLER]  # type: ignore[no-any-return]


def parsed_command(context: dict[str, Any]) -> commands.Command:
    return context[_COMMAND]  # type: ignore[no-any-return]


def _caller(body: dict[str, Any]) -> Caller:
    """Who and where, from a slash command (flat form), an interactive payload or an event."""
    if "command" in body:
        return Caller(
            team_id=body["team_id"],
            user_id=body["user_id"],
            channel_id=body.get("channel_id"),
            response_url=body.get("response_url"),
        )
    if body.get("type") == "event_callback":
        return Caller(team_id=body["team_id"], user_id=body["event"]["user"])
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return Caller(team_id=team, user_id=user["id"], channel_id=channel, response_url=body.get("response_url"))


def _kind_and_name(body: dict[str, Any]) -> tuple[Kind, str] | None:
    """The request's row key in the access table; None for a payload type the app does not use."""
    if "command" in body:
        return ("command", "") if body.get("command") == COMMAND else None
    kind = body.get("type")
    if kind == "block_actions":
        acts = body.get("actions") or []
        return ("action", str(acts[0].get("action_id", ""))) if len(acts) == 1 else None
    if kind == "view_submission":
        return "view", str((body.get("view") or {}).get("callback_id", ""))
    if kind == "event_callback":
        return "event", str((body.get("event") or {}).get("type", ""))
    return None  # interactive_message, dialog_*, workflow_step_edit, shortcuts, view_closed…


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})


def _refuse(svc: Services, body: dict[str, Any], line: str) -> BoltResponse:
    """Acknowledge with the reason, where the payload type lets Slack show one."""
    if "command" in body:
        return _json(slack_args(Reply(text=line), "ack"))
    if body.get("type") == "view_submission":
        inputs = [b.get("block_id") for b in (body.get("view") or {}).get("blocks") or [] if b.get("type") == "input"]
        if inputs:  # Slack shows errors only under an input of the submitted view
            return _json({"response_action": "errors", "errors": {inputs[0]: line[:150]}})
    if body.get("type") == "block_actions" and (body.get("container") or {}).get("type") == "view":
        # A Home tab button (no response_url): the reason goes on the clicker's Home.
        later(svc, svc.home.show(_caller(body), notice=line), name="refusal")
    elif body.get("type") == "block_actions" and body.get("response_url"):
        later(svc, send(svc, body["response_url"], Reply(text=line)), name="refusal")
    return BoltResponse(status=200, body="")


def acked(context: dict[str, Any], status: int) -> tuple[str, str]:
    """(request, outcome) of an acknowledged request, for the metrics."""
    what = str(context.get(_REQUEST) or "unknown")
    return what, str(context.get(_OUTCOME) or ("ok" if status == 200 else f"http_{status}"))


async def _check(context: dict[str, Any], body: dict[str, Any], next: Next) -> Any:  # noqa: A002
    svc = services(context)
    key = _kind_and_name(body)
    context[_REQUEST] = f"{key[0]}:{key[1]}" if key else f"unaccepted:{body.get('type') or 'unknown'}"
    command: commands.Command | None = None
    if key is not None and key[0] == "command":
        try:
            command = grammar.parse(body.get("text") or "", svc.providers.keys())
        except InputError as exc:  # bad input costs nothing, not even the role check
            context[_OUTCOME] = "bad_input"
            return _refuse(svc, body, exc.user_message)
        key = ("command", command.key)
        context[_REQUEST] = f"command:{command.key}"
    need: Need | None = need_for(*key) if key is not None else None
    if need is None:
        context[_OUTCOME] = "unaccepted"
        log.warning("refused a request the app does not accept", extra={"request": key or body.get("type")})
        return _refuse(svc, body, "numberbot does not accept this kind of request.")
    try:
        caller = _caller(body)
        role = await authorize(svc.roles, caller.team_id, caller.user_id, need)
    except Exception as exc:  # noqa: BLE001 - refuse with the reason (fail closed), never leave Slack waiting
        context[_OUTCOME] = "denied" if isinstance(exc, PermissionDenied) else "storage"
        return _refuse(svc, body, user_line(exc))
    context[_CALLER] = caller.model_copy(update={"role": role})
    context[_COMMAND] = command
    return await next()


async def send(svc: Services, response_url: str | None, reply: Reply) -> None:
    """Post a reply through response_url; a failure to post is logged, never raised."""
    if response_url:
        await svc.notifier.respond(response_url, reply)


async def _upload(client: AsyncWebClient, caller: Caller, reply: Reply) -> None:
    """Upload a reply's files to a DM with the caller alone: a file (an audit export) is never
    shared in the channel the command was typed in, where others would see it."""
    try:
        opened = await client.conversations_open(users=caller.user_id)
        for filename, content in reply.files:
            await client.files_upload_v2(
                channel=opened["channel"]["id"], content=content, filename=filename, title=filename
            )
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown error") if exc.response is not None else "unknown error"
        raise BotError(
            f"Could not send you the file in a direct message (Slack: {error}); nothing was posted in the channel."
        ) from None


def later(svc: Services, work: Awaitable[Any], name: str) -> None:
    """Run `work` once Slack has its answer: the listener returns at once (Bolt answers Slack
    when it does), the work lets the acks in progress go first, and it is counted so that
    SIGTERM waits for it."""
    svc.lifecycle.spawn(_after_acks(svc, work), name=name)


async def _after_acks(svc: Services, work: Awaitable[Any]) -> Any:
    await svc.lifecycle.after_acks()
    return await work


async def after_ack(
    svc: Services,
    work: Callable[[], Awaitable[Outcome]],
    response_url: str | None,
    *,
    client: AsyncWebClient | None = None,
    caller: Caller | None = None,
) -> None:
    """Start the work Slack must not wait for; its outcome is rendered and posted when it ends."""
    later(svc, _answer(svc, work, response_url, client=client, caller=caller), name="after-ack")


async def _answer(
    svc: Services,
    work: Callable[[], Awaitable[Outcome]],
    response_url: str | None,
    *,
    client: AsyncWebClient | None,
    caller: Caller | None,
) -> None:
    """Run the work, render its outcome and post it; a failure is one line."""
    try:
        reply = render(await work())
        if reply.files and client is not None and caller is not None:
            await _upload(client, caller, reply)
            reply = reply.model_copy(update={"files": []})
    except Exception as exc:  # noqa: BLE001 - every failure becomes one clear line
        reply = failure(exc)
    await send(svc, response_url, reply)
