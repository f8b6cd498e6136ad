"""`/number …`: parse and role-check in the dispatcher, ack, then do provider work."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.replies import Reply
from handlers.common import after_ack, caller_from, services, upload_files, user_line

__all__ = ["COMMAND", "handle_number"]

COMMAND = "/number"


def _ack_kwargs(reply: Reply) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"text": reply.text, "response_type": "in_channel" if reply.in_channel else "ephemeral"}
    if reply.blocks:
        kwargs["blocks"] = reply.blocks
    return kwargs


async def handle_number(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient, context: dict[str, Any]
) -> None:
    svc = services(context)
    async with svc.lifecycle.work():
        caller = caller_from(body)
        try:
            step = await svc.dispatcher.run(caller, body.get("text") or "")
        except Exception as exc:  # noqa: BLE001 - refusals and failures still ack, with the reason
            await ack(text=user_line(exc), response_type="ephemeral")
            return
        if step.modal is not None:
            await ack()
            try:
                await client.views_open(trigger_id=body["trigger_id"], view=step.modal)
            except Exception as exc:  # noqa: BLE001
                await respond(text=f"Could not open the search form: {user_line(exc)}", response_type="ephemeral")
            return
        if step.ack is not None:
            await ack(**_ack_kwargs(step.ack))
        else:
            await ack()
        if step.later is not None:
            later = step.later

            async def work() -> Reply:
                reply = await later()
                if reply.files:
                    await upload_files(client, caller, reply)
                    reply = reply.model_copy(update={"files": []})
                return reply

            # Replace the "working…" acknowledgement when there was one.
            await after_ack(work, respond, replace=step.ack is not None)
