"""Events API: the App Home tab shows the help for the user's role."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import render
from bot.replies import user_line
from handlers.middleware import checked_caller, later, services

__all__ = ["handle_app_home_opened", "register"]


async def handle_app_home_opened(event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    if event.get("tab") != "home":
        return
    svc = services(context)
    role = checked_caller(context).role

    async def publish() -> None:
        try:
            reply = render(svc.admin.help(role))
            await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": reply.blocks or []})
        except Exception as exc:  # noqa: BLE001 - logged with a reference by user_line
            user_line(exc)

    later(svc, publish(), name="home")


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(handle_app_home_opened)
