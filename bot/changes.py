"""What people see has changed: services say so where their work completes; the Home tab listens.

A purchase, an approval decision or a release calls `changed(team, users…)`, a plain call that
never waits and never fails; the listener (bot/home.py) publishes the Home tab again for the
people concerned, in the background. Changes of one team are coalesced: while a refresh runs,
later ones are merged into the next, so a burst of purchases costs a few publishes, not one
per purchase per viewer, and publishes for one team never overtake each other in a process.
Only this queue lives in memory; what is shown is read from Redis every time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Changes", "Listener"]

log = logging.getLogger(__name__)

# (team, users named by the change, whether the approval requests changed)
Listener = Callable[[str, frozenset[str], bool], Awaitable[None]]
Spawn = Callable[..., Any]


@dataclass
class _Pending:
    users: set[str] = field(default_factory=set)
    approvals: bool = False


class Changes:
    def __init__(self, spawn: Spawn | None = None) -> None:
        """`spawn(coro, name=…)` runs background work (the Lifecycle's, so shutdown waits for it)."""
        self._spawn = spawn
        self._listener: Listener | None = None
        self._pending: dict[str, _Pending] = {}
        self._running: set[str] = set()

    def listen(self, listener: Listener) -> None:
        self._listener = listener

    def changed(self, team_id: str, *users: str, approvals: bool = False) -> None:
        """Say that what `users` (and whoever looks at the Home tab) see changed; returns at once."""
        if self._listener is None or self._spawn is None:
            return
        pending = self._pending.setdefault(team_id, _Pending())
        pending.users.update(u for u in users if u)
        pending.approvals |= approvals
        if team_id not in self._running:
            self._running.add(team_id)
            self._spawn(self._drain(team_id), name="home-refresh")

    def _drain(self, team_id: str) -> Coroutine[Any, Any, None]:
        async def drain() -> None:
            try:
                while (pending := self._pending.pop(team_id, None)) is not None:
                    assert self._listener is not None
                    try:
                        await self._listener(team_id, frozenset(pending.users), pending.approvals)
                    except Exception:
                        log.exception("could not publish the Home tab", extra={"team": team_id})
            finally:
                self._running.discard(team_id)

        return drain()
