"""`/number …`: the gate parsed and checked it; ack now, then do what may call a provider."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import render, render_view
from bot.replies import failure, slack_args
from handlers.middleware import COMMAND, after_ack, checked_caller, later, parsed_command, send, services

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["handle_number", "register"]


async def handle_number(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    svc = services(context)
    caller = checked_caller(context)
    async with svc.lifecycle.work():
        try:
            step = await svc.dispatcher.run(caller, parsed_command(context))
        except Exception as exc:  # noqa: BLE001 - refusals and failures still ack, with the reason
            await ack(**slack_args(failure(exc), "ack"))
            return
        if step.form is not None:
            await ack()
            later(svc, _open(svc, client, body, render_view(step.form)), name="open-form")
            return
        await (ack(**slack_args(render(step.ack), "ack")) if step.ack is not None else ack())
        if step.later is not None:
            await after_ack(svc, step.later, body.get("response_url"), client=client, caller=caller)


async def _open(svc: Services, client: AsyncWebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except Exception as exc:  # noqa: BLE001
        await send(svc, body.get("response_url"), failure(exc))


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(handle_number)
