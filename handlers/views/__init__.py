"""Modal submission listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids
from handlers.views.search_modal import handle_search_submission

__all__ = ["register"]


def register(app: AsyncApp) -> None:
    app.view(ids.SEARCH_MODAL)(handle_search_submission)
