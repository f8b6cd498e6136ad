"""Buy: price the chosen offer server-side and show the confirmation to the clicker."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from handlers.common import after_ack, caller_from, services

__all__ = ["handle_buy"]


async def handle_buy(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]) -> None:
    svc = services(context)
    async with svc.lifecycle.work():
        await ack()
        caller = caller_from(body)
        offer_ref = body["actions"][0].get("value", "")
        await after_ack(lambda: svc.purchases.quote(caller, context["role"], offer_ref), respond, replace=False)
