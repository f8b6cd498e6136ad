"""Confirm purchase / Cancel on the confirmation message."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.replies import Reply
from handlers.common import after_ack, caller_from, respond_with, services

__all__ = ["handle_cancel", "handle_confirm"]


async def handle_confirm(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]) -> None:
    svc = services(context)
    async with svc.lifecycle.work():
        await ack()
        caller = caller_from(body)
        quote_id = body["actions"][0].get("value", "")

        async def progress(reply: Reply) -> None:
            await respond_with(respond, reply)

        await after_ack(lambda: svc.purchases.confirm(caller, context["role"], quote_id, progress=progress), respond)


async def handle_cancel(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]) -> None:
    svc = services(context)
    async with svc.lifecycle.work():
        await ack()
        caller = caller_from(body)
        quote_id = body["actions"][0].get("value", "")
        await after_ack(lambda: svc.purchases.cancel(caller, quote_id), respond)
