"""Modal submission listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids
from handlers.views.deny_modal import handle_deny_submission
from handlers.views.search_modal import handle_search_submission

__all__ = ["register"]


def register(app: AsyncApp) -> None:
    app.view(ids.SEARCH_MODAL)(handle_search_submission)
    app.view(ids.DENY_MODAL)(handle_deny_submission)
