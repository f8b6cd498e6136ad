"""Resolves operations left in flight by a process that died (SPEC 4).

Runs at start and every few seconds in every process. Each lapsed operation is taken over
atomically (one process wins), resolved by asking the provider, and the user is told in the
original conversation where possible.
"""

from __future__ import annotations

import asyncio
import logging

from bot.approvals import ApprovalService
from bot.errors import BotError
from bot.journal import Journal
from bot.metrics import TAKEOVERS
from bot.notify import Notifier
from bot.outcomes import ApprovalClosed, ApprovalDecision, Outcome
from bot.purchases import PurchaseService
from bot.releases import ReleaseService
from bot.store import STORAGE_ERRORS

__all__ = ["INTERVAL", "Reconciler"]

log = logging.getLogger(__name__)

INTERVAL = 5.0


class Reconciler:
    def __init__(
        self,
        *,
        journal: Journal,
        purchases: PurchaseService,
        releases: ReleaseService,
        notifier: Notifier,
        approvals: ApprovalService | None = None,
        interval: float = INTERVAL,
    ) -> None:
        self.journal = journal
        self.purchases = purchases
        self.releases = releases
        self.notifier = notifier
        self.approvals = approvals
        self.interval = interval

    async def run_once(self) -> int:
        """Resolve what has lapsed now; returns how many operations were settled."""
        settled = 0
        for team_id, op_id in await self.journal.lapsed():
            if not await self.journal.take_over(team_id, op_id):
                continue
            TAKEOVERS.inc()
            loaded = await self.journal.load(team_id, op_id)
            if loaded is None:
                continue
            op, state, _ = loaded
            log.info("taking over lapsed operation", extra={"op": op_id, "kind": op.kind, "team": team_id})
            outcome: Outcome | None
            try:
                if op.kind == "purchase":
                    outcome = await self.purchases.resume(op, state)
                    if outcome is not None and op.approval is not None and op.approval.ts and op.quote:
                        # An approved purchase: its approval message shows the outcome too.
                        decision = ApprovalDecision(
                            quote=op.quote, decision="approved", by=op.approval.approved_by, purchase=outcome
                        )
                        await self.notifier.update(
                            op.approval.channel,
                            op.approval.ts,
                            ApprovalClosed(decision=decision, simulated=outcome.simulated),
                        )
                else:
                    outcome = await self.releases.resume(op, state)
            except BotError as exc:
                log.warning("lapsed operation not resolvable yet", extra={"op": op_id, "reason": exc.user_message})
                continue
            if outcome is None:
                continue
            settled += 1
            how = await self.notifier.tell(
                outcome, user_id=op.user_id, response_url=op.response_url, channel_id=op.channel_id
            )
            log.info("lapsed operation resolved", extra={"op": op_id, "told": how})
        return settled

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
                if self.approvals is not None:
                    await self.approvals.sweep()
            except STORAGE_ERRORS:
                log.warning("reconciler: storage unavailable; retrying")
            except Exception:
                log.exception("reconciler round failed")
            await asyncio.sleep(self.interval)
