"""Cross-cutting middleware: service injection, and the click-time role gate.

Every button and form re-checks the clicker's role when it arrives (a button is not a
capability). A refusal still acknowledges Slack, and the reason reaches the user.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.response import BoltResponse

from bot.blocks import ids
from bot.dispatch import authorize
from bot.errors import BotError
from bot.models import Role
from bot.replies import Reply
from handlers.common import caller_from, respond_with, services, user_line

if TYPE_CHECKING:
    from bot.app import Services

__all__ = ["ACTION_ROLES", "VIEW_ROLES", "inject_services", "role_gate"]

log = logging.getLogger("numberbot.handlers")

# action id → the role needed to click it (declared once, checked at click time)
ACTION_ROLES: dict[str, tuple[Role, str]] = {
    ids.BUY: (Role.requester, "Buying a number"),
    ids.CONFIRM: (Role.requester, "Confirming a purchase"),
    ids.CANCEL: (Role.requester, "Cancelling a quote"),
    ids.REQUEST_APPROVAL: (Role.requester, "Requesting approval"),
    ids.ASK_AGAIN: (Role.requester, "Asking for a purchase"),
    ids.APPROVE: (Role.approver, "Approving a purchase"),
    ids.DENY: (Role.approver, "Denying a purchase"),
    ids.RELEASE: (Role.admin, "Releasing a number"),
    ids.RELEASE_CANCEL: (Role.admin, "Cancelling a release"),
    ids.LIST_PAGE: (Role.viewer, "Browsing the pool"),
}
VIEW_ROLES: dict[str, tuple[Role, str]] = {
    ids.SEARCH_MODAL: (Role.viewer, "Searching"),
    ids.DENY_MODAL: (Role.approver, "Denying a purchase"),
}


def inject_services(svc: Services) -> Callable[..., Awaitable[Any]]:
    async def inject(context: dict[str, Any], next: Callable[[], Awaitable[Any]]) -> Any:  # noqa: A002
        context["nb"] = svc
        return await next()

    return inject


def _gate_for(body: dict[str, Any]) -> tuple[Role, str] | None:
    kind = body.get("type")
    if kind == "block_actions" and body.get("actions"):
        return ACTION_ROLES.get(body["actions"][0].get("action_id", ""))
    if kind == "view_submission":
        return VIEW_ROLES.get((body.get("view") or {}).get("callback_id", ""))
    return None


async def role_gate(
    context: dict[str, Any],
    body: dict[str, Any],
    respond: Any,
    next: Callable[[], Awaitable[Any]],  # noqa: A002
) -> Any:
    gate = _gate_for(body)
    if gate is None:
        return await next()
    needed, what = gate
    svc = services(context)
    try:
        context["role"] = await authorize(svc.roles, caller_from(body), needed, what)
    except Exception as exc:  # noqa: BLE001 - refuse with the reason, never leave Slack waiting
        line = user_line(exc)
        if not isinstance(exc, BotError):
            log.warning("role gate failed closed", extra={"error": type(exc).__name__})
        if body.get("type") == "view_submission":
            first = ((body.get("view") or {}).get("blocks") or [{}])[0].get("block_id", ids.COUNTRY)
            payload = {"response_action": "errors", "errors": {first: line[:150]}}
            return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})
        svc.lifecycle.spawn(respond_with(respond, Reply(text=line), replace=False), name="refusal")
        return BoltResponse(status=200, body="")
    return await next()
