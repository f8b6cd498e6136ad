"""Button listeners: each acks at once, then calls the core and reports via response_url."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.blocks import ids
from handlers.actions import approvals, buy, list_page, purchase, release

__all__ = ["register"]


def register(app: AsyncApp) -> None:
    app.action(ids.BUY)(buy.handle_buy)
    app.action(ids.CONFIRM)(purchase.handle_confirm)
    app.action(ids.CANCEL)(purchase.handle_cancel)
    app.action(ids.RELEASE)(release.handle_release)
    app.action(ids.RELEASE_CANCEL)(release.handle_release_cancel)
    app.action(ids.LIST_PAGE)(list_page.handle_list_page)
    app.action(ids.REQUEST_APPROVAL)(approvals.handle_request)
    app.action(ids.ASK_AGAIN)(approvals.handle_ask_again)
    app.action(ids.APPROVE)(approvals.handle_approve)
    app.action(ids.DENY)(approvals.handle_deny)
