"""Buy: price the chosen offer server-side and show the confirmation to the clicker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.models import Role
from handlers.common import Click, on_click

if TYPE_CHECKING:
    from bot.app import Services
    from bot.replies import Reply

__all__ = ["handle_buy"]


async def buy(svc: Services, click: Click) -> Reply:
    return await svc.purchases.quote(click.caller, click.role or Role.viewer, click.value)


handle_buy = on_click(buy, replace=False)  # a new message: the results stay for other picks
