"""Release (danger button behind Slack's confirm dialog) / Cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.common import Click, on_click

if TYPE_CHECKING:
    from bot.app import Services
    from bot.replies import Reply

__all__ = ["handle_release", "handle_release_cancel"]


async def release(svc: Services, click: Click) -> Reply:
    return await svc.releases.confirm(click.caller, click.value, progress=click.progress)


async def keep(svc: Services, click: Click) -> Reply:
    return await svc.releases.cancel(click.caller, click.value)


handle_release = on_click(release)
handle_release_cancel = on_click(keep)
