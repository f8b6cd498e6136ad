"""Release (danger button behind Slack's confirm dialog) / Cancel."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.replies import Reply
from handlers.common import after_ack, caller_from, respond_with, services

__all__ = ["handle_release", "handle_release_cancel"]


async def handle_release(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]) -> None:
    svc = services(context)
    async with svc.lifecycle.work():
        await ack()
        caller = caller_from(body)
        intent_id = body["actions"][0].get("value", "")

        async def progress(reply: Reply) -> None:
            await respond_with(respond, reply)

        await after_ack(lambda: svc.releases.confirm(caller, intent_id, progress=progress), respond)


async def handle_release_cancel(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]
) -> None:
    svc = services(context)
    async with svc.lifecycle.work():
        await ack()
        caller = caller_from(body)
        intent_id = body["actions"][0].get("value", "")
        await after_ack(lambda: svc.releases.cancel(caller, intent_id), respond)
