"""The one base of every service answer, in its own module so each area's answers can share it."""

from __future__ import annotations

from bot.models import Frozen

__all__ = ["Outcome"]


class Outcome(Frozen):
    """Every service answer; `simulated` names the providers whose effects are not real."""

    simulated: frozenset[str] = frozenset()
