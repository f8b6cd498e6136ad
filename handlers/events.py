"""Events API: opening the App Home tab publishes the user's Home (bot/home.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.replies import user_line
from handlers.middleware import checked_caller, services

__all__ = ["handle_app_home_opened", "register"]


async def handle_app_home_opened(event: dict[str, Any], context: dict[str, Any]) -> None:
    if event.get("tab") != "home":
        return
    svc = services(context)
    async with svc.lifecycle.work():
        try:
            await svc.home.show(checked_caller(context))
        except Exception as exc:  # noqa: BLE001 - logged with a reference by user_line
            user_line(exc)


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(handle_app_home_opened)
