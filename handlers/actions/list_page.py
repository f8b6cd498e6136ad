"""Previous / Next on a pool listing (the value holds only a page number and a filter)."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from handlers.common import after_ack, caller_from, services

__all__ = ["handle_list_page"]


def _page(value: str, providers: list[str]) -> tuple[int, str | None]:
    try:
        data = json.loads(value)
        page = int(data.get("page", 0))
        provider = data.get("provider")
    except (ValueError, TypeError, AttributeError):
        return 0, None
    return max(0, min(page, 10_000)), provider if provider in providers else None


async def handle_list_page(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: dict[str, Any]) -> None:
    svc = services(context)
    async with svc.lifecycle.work():
        await ack()
        caller = caller_from(body)
        page, provider = _page(body["actions"][0].get("value", ""), list(svc.providers))
        await after_ack(lambda: svc.numbers.list_page(caller, provider=provider, page=page), respond, replace=True)
