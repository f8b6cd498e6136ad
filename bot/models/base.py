"""What every model is: frozen, and strict about its fields; with the ids and clock they are stamped with."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

__all__ = ["Frozen", "new_id", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """An unguessable id for quotes, searches, intents and operations (safe in a Redis key)."""
    return secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
