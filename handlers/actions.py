"""Button clicks: each acks at once, then its service answers through response_url.

The gate has already checked the clicker's role for the button (bot/access.py). A button's
value is an id (a quote, an intent, a search offer, a page), never trusted data.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import ids, render, render_view
from bot.models import Caller
from bot.outcomes import Outcome
from bot.purchases import Progress
from bot.replies import failure
from handlers.middleware import after_ack, checked_caller, later, send, services

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["CLICKS", "handle_deny", "register"]

Work = Callable[["Services", Caller, str, Progress], Awaitable[Outcome]]


def _page(svc: Services, caller: Caller, value: str, _: Progress) -> Awaitable[Outcome]:
    """Previous / Next on a pool listing: the value holds only a page number and a filter."""
    try:
        data = json.loads(value)
        page = max(0, min(int(data.get("page", 0)), 10_000))
        provider = data.get("provider")
    except (ValueError, TypeError, AttributeError):
        page, provider = 0, None
    only = provider if provider in svc.providers else None
    return svc.pool.list_page(caller, provider=only, page=page, turned=True)


# action id → the service call that answers the click
CLICKS: dict[str, Work] = {
    ids.BUY: lambda svc, caller, value, _: svc.purchases.quote(caller, value),
    ids.CONFIRM: lambda svc, caller, value, progress: svc.purchases.confirm(caller, value, progress=progress),
    ids.CANCEL: lambda svc, caller, value, _: svc.purchases.cancel(caller, value),
    ids.OVER_BALANCE: lambda svc, caller, value, _: svc.balances.accept(caller, value),
    ids.REQUEST_APPROVAL: lambda svc, caller, value, _: svc.approvals.request(caller, value),
    ids.ASK_AGAIN: lambda svc, caller, value, _: svc.approvals.ask_again(caller, value),
    ids.APPROVE: lambda svc, caller, value, progress: svc.approvals.approve(caller, value, progress=progress),
    ids.RELEASE: lambda svc, caller, value, progress: svc.releases.confirm(caller, value, progress=progress),
    ids.RELEASE_CANCEL: lambda svc, caller, value, _: svc.releases.cancel(caller, value),
    ids.LIST_PREVIOUS: _page,
    ids.LIST_NEXT: _page,
    ids.LIST_PAGE: _page,
    ids.SEARCH_PREVIOUS: lambda svc, caller, value, _: svc.search.page(caller, value),
    ids.SEARCH_NEXT: lambda svc, caller, value, _: svc.search.page(caller, value),
    ids.SMS_REVEAL: lambda svc, caller, value, _: svc.sms.reveal(caller, value),
}


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value", ""))


def on_click(work: Work) -> Callable[..., Awaitable[None]]:
    """A button listener: ack at once, then run `work` and post what it answers."""

    async def listener(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
        svc = services(context)
        async with svc.lifecycle.work():
            await ack()
            caller = checked_caller(context)

            async def progress(outcome: Outcome) -> None:
                await send(svc, body.get("response_url"), render(outcome))

            await after_ack(svc, lambda: work(svc, caller, _value(body), progress), body.get("response_url"))

    return listener


async def handle_deny(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    """Open the reason form at once (the trigger id lasts 3 seconds) unless this clicker may not deny."""
    svc = services(context)
    await ack()

    async def open_form() -> None:
        try:
            form = await svc.approvals.check_deny(checked_caller(context), _value(body))
            await client.views_open(trigger_id=body["trigger_id"], view=render_view(form))
        except Exception as exc:  # noqa: BLE001 - one line to the clicker instead
            await send(svc, body.get("response_url"), failure(exc))

    later(svc, open_form(), name="deny-form")


def register(app: AsyncApp) -> None:
    for action_id, work in CLICKS.items():
        app.block_action(action_id)(on_click(work))
    app.block_action(ids.DENY)(handle_deny)
