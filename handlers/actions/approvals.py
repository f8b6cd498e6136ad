"""Request approval, Approve, Deny (with a reason form) and Ask again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.models import Role
from bot.replies import Reply
from handlers.common import Click, caller_from, on_click, respond_with, services, user_line

if TYPE_CHECKING:
    from bot.app import Services

__all__ = ["handle_approve", "handle_ask_again", "handle_deny", "handle_request"]


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value", ""))


async def request(svc: Services, click: Click) -> Reply:
    return await svc.approvals.request(click.caller, click.value)


async def ask_again(svc: Services, click: Click) -> Reply:
    return await svc.approvals.ask_again(click.caller, click.role or Role.viewer, click.value)


async def approve(svc: Services, click: Click) -> Reply:
    """The reply replaces the approval message; refusals go to the clicker alone."""
    return await svc.approvals.approve(click.caller, click.value, progress=click.progress)


handle_request = on_click(request)
handle_ask_again = on_click(ask_again, replace=False)
handle_approve = on_click(approve, replace=True)


async def handle_deny(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """Open the reason form at once (the trigger id lasts 3 seconds) unless this clicker may not deny."""
    svc = services(context)
    async with svc.lifecycle.work():
        await ack()
        caller = caller_from(body)
        try:
            record = await svc.approvals.check_deny(caller, _value(body))
            await client.views_open(trigger_id=body["trigger_id"], view=svc.approvals.deny_view(record))
        except Exception as exc:  # noqa: BLE001 - one line to the clicker instead
            await respond_with(respond, Reply(text=user_line(exc)), replace=False)
