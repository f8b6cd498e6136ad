"""Slack listeners: thin adapters from Slack payloads to the core in `bot/`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, events, views

__all__ = ["register_handlers"]


def register_handlers(app: AsyncApp) -> None:
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
