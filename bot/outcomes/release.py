"""What releasing a number answers, from the confirmation to the provider's answer."""

from __future__ import annotations

from bot.outcomes.base import Outcome

__all__ = ["ReleaseCancelled", "ReleaseFailed", "ReleasePending", "ReleasePrompt", "Released", "Releasing"]


class ReleasePrompt(Outcome):
    e164: str
    provider: str
    intent_id: str
    name: str | None = None


class ReleaseCancelled(Outcome):
    e164: str


class Releasing(Outcome):
    e164: str
    provider: str


class Released(Outcome):
    e164: str
    provider: str


class ReleaseFailed(Outcome):
    e164: str
    reason: str


class ReleasePending(Outcome):
    e164: str
    provider: str
