"""Request approval, Approve, Deny (with a reason form) and Ask again."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.replies import Reply
from handlers.common import after_ack, caller_from, respond_with, services, user_line

__all__ = ["handle_approve", "handle_ask_again", "handle_deny", "handle_request"]


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value", ""))


async def handle_request(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]) -> None:
    svc = services(context)
    async with svc.lifecycle.work():
        await ack()
        caller = caller_from(body)
        await after_ack(lambda: svc.approvals.request(caller, _value(body)), respond)


async def handle_ask_again(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]) -> None:
    svc = services(context)
    async with svc.lifecycle.work():
        await ack()
        caller = caller_from(body)
        await after_ack(lambda: svc.approvals.ask_again(caller, context["role"], _value(body)), respond, replace=False)


async def handle_approve(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]) -> None:
    """The reply replaces the approval message; refusals go to the clicker alone."""
    svc = services(context)
    async with svc.lifecycle.work():
        await ack()
        caller = caller_from(body)

        async def progress(reply: Reply) -> None:
            await respond_with(respond, reply, replace=True)

        await after_ack(lambda: svc.approvals.approve(caller, _value(body), progress=progress), respond, replace=True)


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
