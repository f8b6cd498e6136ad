"""The Home tab's buttons: each acks and returns at once; the work runs after, counted by the
Lifecycle (so SIGTERM waits for it), and what it answers shows on the clicker's Home.

A click in the Home tab has no message and no response_url. What the service answers is
rendered into one line at the top of the clicker's Home (`HomeService.show`), which is then
published again; Info and Deny open a modal instead (the trigger id lasts 3 seconds). The
gate has already checked the clicker's role for the button (bot/access.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import ids, render, render_view
from bot.models import Caller
from bot.outcomes import Outcome, Sheet
from bot.replies import failure
from handlers.middleware import checked_caller, later, services

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["HOME_CLICKS", "handle_home_deny", "handle_home_info", "register"]

log = logging.getLogger("numberbot.handlers")

HomeWork = Callable[["Services", Caller, str], Awaitable[Outcome | None]]

# action id → the service call that answers the click (None: nothing to tell, e.g. "Show all")
HOME_CLICKS: dict[str, HomeWork] = {
    ids.HOME_APPROVE: lambda svc, caller, value: svc.home_actions.approve(caller, value),
    ids.HOME_RELEASE: lambda svc, caller, value: svc.home_actions.release(caller, value),
    ids.HOME_SHOW: lambda svc, caller, value: svc.home.expand(caller, value),
}


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value", ""))


def on_home_click(work: HomeWork) -> Callable[..., Awaitable[None]]:
    async def listener(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
        svc = services(context)
        await ack()
        later(svc, _answer(svc, checked_caller(context), work, _value(body)), name="home-click")

    return listener


async def _answer(svc: Services, caller: Caller, work: HomeWork, value: str) -> None:
    """After the ack: the work, then what it did on the clicker's Home."""
    try:
        outcome = await work(svc, caller, value)
        notice = render(outcome).text if outcome is not None else None
    except Exception as exc:  # noqa: BLE001 - one line on the clicker's Home instead
        notice = failure(exc).text
    if notice is not None:
        await svc.home.show(caller, notice=notice)


async def _tell(svc: Services, caller: Caller, exc: BaseException) -> None:
    await svc.home.show(caller, notice=failure(exc).text)


async def handle_home_info(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """A number in full, in a modal: opened at once (the trigger id lasts 3 seconds), filled in
    once its provider answered."""
    svc = services(context)
    await ack()
    later(svc, _info(svc, client, checked_caller(context), body), name="home-info")


async def _info(svc: Services, client: AsyncWebClient, caller: Caller, body: dict[str, Any]) -> None:
    e164 = _value(body)
    try:
        opened = await client.views_open(trigger_id=body["trigger_id"], view=render_view(Sheet(title=e164)))
    except Exception as exc:  # noqa: BLE001 - one line on the clicker's Home instead
        await _tell(svc, caller, exc)
        return
    try:
        sheet = Sheet(title=e164, content=await svc.home_actions.info(caller, e164))
    except Exception as exc:  # noqa: BLE001 - shown in the modal
        sheet = Sheet(title=e164, error=failure(exc).text)
    try:
        await client.views_update(view_id=opened["view"]["id"], view=render_view(sheet))
    except Exception:
        log.exception("could not show a number's details", extra={"number": e164})


async def handle_home_deny(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """The same reason form as the approvals channel's Deny; its submission decides once and
    updates the request message (handlers/views.py)."""
    svc = services(context)
    await ack()
    later(svc, _deny_form(svc, client, checked_caller(context), body), name="home-deny")


async def _deny_form(svc: Services, client: AsyncWebClient, caller: Caller, body: dict[str, Any]) -> None:
    try:
        form = await svc.approvals.check_deny(caller, _value(body))
        await client.views_open(trigger_id=body["trigger_id"], view=render_view(form))
    except Exception as exc:  # noqa: BLE001 - one line on the clicker's Home instead
        await _tell(svc, caller, exc)


def register(app: AsyncApp) -> None:
    for action_id, work in HOME_CLICKS.items():
        app.block_action(action_id)(on_home_click(work))
    app.block_action(ids.HOME_INFO)(handle_home_info)
    app.block_action(ids.HOME_DENY)(handle_home_deny)
