"""Slack listeners: thin adapters from Slack payloads to the core in `bot/`.

One module per Slack feature type (commands, actions, views, events), each with a
`register(app)`; middleware.py holds what wraps them all (services, the gate, after-ack).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, events, home, views
from handlers.middleware import acked, gate

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["acked", "register_handlers"]


def register_handlers(app: AsyncApp, services: Services) -> None:
    app.middleware(gate(services))
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
    home.register(app)
