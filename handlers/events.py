"""Events API: opening the App Home tab publishes the user's Home (bot/home.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

from bot.models import Caller
from bot.replies import user_line
from handlers.middleware import checked_caller, later, services

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["handle_app_home_opened", "register"]


async def handle_app_home_opened(event: dict[str, Any], context: dict[str, Any]) -> None:
    if event.get("tab") != "home":
        return
    svc = services(context)
    later(svc, _show(svc, checked_caller(context)), name="home")  # the listener returns at once


async def _show(svc: Services, caller: Caller) -> None:
    try:
        await svc.home.show(caller)
    except Exception as exc:  # noqa: BLE001 - logged with a reference by user_line
        user_line(exc)


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(handle_app_home_opened)
