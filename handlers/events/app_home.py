"""The App Home tab: the help for the user's role, so people find the bot's commands."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from handlers.common import services, user_line

__all__ = ["handle_app_home_opened"]


async def handle_app_home_opened(
    event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    if event.get("tab") != "home":
        return
    svc = services(context)
    async with svc.lifecycle.work():
        try:
            role = await svc.roles.role_of(body["team_id"], event["user"])
            reply = svc.admin.help(role)
            await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": reply.blocks or []})
        except Exception as exc:  # noqa: BLE001 - logged with a reference by user_line
            user_line(exc)
