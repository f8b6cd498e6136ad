"""Slash command listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.commands.number import COMMAND, handle_number

__all__ = ["register"]


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(handle_number)
