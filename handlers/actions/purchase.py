"""Confirm purchase / Cancel on the confirmation message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.models import Role
from handlers.common import Click, on_click

if TYPE_CHECKING:
    from bot.app import Services
    from bot.replies import Reply

__all__ = ["handle_cancel", "handle_confirm"]


async def confirm(svc: Services, click: Click) -> Reply:
    return await svc.purchases.confirm(click.caller, click.role or Role.viewer, click.value, progress=click.progress)


async def cancel(svc: Services, click: Click) -> Reply:
    return await svc.purchases.cancel(click.caller, click.value)


handle_confirm = on_click(confirm)
handle_cancel = on_click(cancel)
