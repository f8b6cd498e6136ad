"""Previous / Next on a pool listing (the value holds only a page number and a filter)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from handlers.common import Click, on_click

if TYPE_CHECKING:
    from bot.app import Services
    from bot.replies import Reply

__all__ = ["handle_list_page"]


def _page(value: str, providers: list[str]) -> tuple[int, str | None]:
    try:
        data = json.loads(value)
        page = int(data.get("page", 0))
        provider = data.get("provider")
    except (ValueError, TypeError, AttributeError):
        return 0, None
    return max(0, min(page, 10_000)), provider if provider in providers else None


async def turn_page(svc: Services, click: Click) -> Reply:
    page, provider = _page(click.value, list(svc.providers))
    return await svc.numbers.list_page(click.caller, provider=provider, page=page)


handle_list_page = on_click(turn_page, replace=True)
