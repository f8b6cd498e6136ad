"""Approval requests: ask in APPROVALS_CHANNEL, decide once, buy exactly once.

The request and its decision live in `ApprovalStore` (one Lua step each). An approved
request is bought through the same claim-and-journal machinery as a direct confirmation.
"""

from __future__ import annotations

import logging

from bot.approval_store import ApprovalRecord, ApprovalStore
from bot.audit import AuditLog, quote_fields
from bot.budget import BudgetStore
from bot.changes import Changes
from bot.errors import BotError, PermissionDenied, StaleAction
from bot.models import ApprovalRef, Caller, Quote, utcnow
from bot.notify import Notifier
from bot.outcomes import (
    ApprovalClosed,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequested,
    DenyForm,
    Outcome,
    Quoted,
    RequesterNotice,
    Requoted,
)
from bot.purchases import Progress, PurchaseService, QuoteStore

__all__ = ["ApprovalService"]

log = logging.getLogger(__name__)


class ApprovalService:
    def __init__(
        self,
        *,
        approvals: ApprovalStore,
        purchases: PurchaseService,
        quotes: QuoteStore,
        budget: BudgetStore,
        audit: AuditLog,
        notifier: Notifier,
        channel: str | None,
        changes: Changes | None = None,
    ) -> None:
        """`changes`: told when a request is opened or closed (approvers' Home tabs list them)."""
        self.approvals = approvals
        self.purchases = purchases
        self.quotes = quotes
        self.budget = budget
        self.audit = audit
        self.notifier = notifier
        self.channel = channel
        self.changes = changes or Changes()

    @property
    def simulated(self) -> frozenset[str]:
        return self.purchases.providers.simulated_names

    # -- asking ---------------------------------------------------------------------

    async def request(self, caller: Caller, quote_id: str) -> ApprovalRequested:
        """Request approval: post the request to the approvals channel (once)."""
        quote = await self.quotes.get(caller.team_id, quote_id)
        if quote is None or quote.expires_at <= self.purchases.clock():  # its time, not only its key
            raise StaleAction("This quote has expired; search and press Buy again for a fresh one.")
        if quote.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{quote.user_id}>, who asked for this quote, can request approval for it.")
        if not self.channel:
            raise StaleAction("No approvals channel is configured (APPROVALS_CHANNEL); ask an admin to set one.")
        team = caller.team_id
        opened = await self.approvals.open(
            quote, requester=caller.user_id, url=caller.response_url or "", channel=caller.channel_id or ""
        )
        if opened == "expired":
            raise StaleAction("This quote has expired; search and press Buy again for a fresh one.")
        if opened != "ok":
            raise StaleAction(f"Approval for this quote was already requested ({opened}).")
        message = ApprovalRequest(quote=quote, spend=await self.budget.read(team), simulated=self.simulated)
        try:
            ts = await self.notifier.post(self.channel, message)
        except Exception:
            await self.approvals.withdraw(team, quote_id)
            log.exception("could not post approval request", extra={"channel": self.channel})
            raise StaleAction(
                f"Could not post to the approvals channel <#{self.channel}>; is the bot in it? Try again."
            ) from None
        await self.approvals.posted(team, quote_id, channel=self.channel, ts=ts)
        await self.audit.record(
            team,
            quote_fields(
                quote,
                actor=caller.user_id,
                action="request",
                outcome="pending",
                detail="; ".join(quote.approval_reasons),
            ),
        )
        self.changes.changed(team, caller.user_id, approvals=True)
        return ApprovalRequested(
            channel=self.channel, e164=quote.offer.e164, provider=quote.offer.provider, simulated=self.simulated
        )

    async def ask_again(self, caller: Caller, quote_id: str) -> Quoted:
        """After an expiry: a fresh quote for the same number, priced again."""
        record = await self.approvals.get(caller.team_id, quote_id)
        if record is None or record.requester != caller.user_id:
            raise StaleAction("That request is no longer known; search and press Buy again.")
        return await self.purchases.quote_offer(caller, record.quote.offer)

    # -- deciding -------------------------------------------------------------------

    async def _pending(self, caller: Caller, quote_id: str) -> ApprovalRecord:
        record = await self.approvals.get(caller.team_id, quote_id)
        if record is None:
            raise StaleAction("This approval request is no longer known.")
        if record.requester == caller.user_id:
            raise PermissionDenied("You cannot decide on your own request; another approver or admin must.")
        if record.status != "pending":
            who = f" by <@{record.decided_by}>" if record.decided_by else ""
            raise StaleAction(f"This request was already {record.status}{who}.")
        return record

    async def approve(self, caller: Caller, quote_id: str, *, progress: Progress) -> Outcome:
        """Approve: decide once, then buy once; returns the updated approval message."""
        record = await self._pending(caller, quote_id)
        quote = record.quote
        if quote.expires_at <= self.purchases.clock():
            # Its time is up even if Redis still holds it (clocks differ): the decision expires it.
            await self.quotes.take(caller.team_id, quote_id)
        verdict = await self.approvals.decide(caller.team_id, quote_id, "approve", decider=caller.user_id)
        if verdict == "won:expired":
            return await self._expired(caller.team_id, record)
        if verdict != "won:approved":
            raise StaleAction(f"This request was already {verdict}.")
        decided = ApprovalDecision(quote=quote, decision="approved", by=caller.user_id, at=utcnow())
        self.changes.changed(caller.team_id, record.requester, caller.user_id, approvals=True)
        await self.audit.record(
            caller.team_id,
            quote_fields(
                quote,
                actor=caller.user_id,
                action="approve",
                outcome="approved",
                detail=f"requested by {record.requester}",
            ),
        )
        await progress(ApprovalClosed(decision=decided, simulated=self.simulated))
        raw = await self.quotes.raw(caller.team_id, quote_id)
        if raw is None:
            return await self._expired(caller.team_id, record)
        buyer = Caller(
            team_id=caller.team_id,
            user_id=record.requester,
            channel_id=record.requester_channel or None,
            response_url=record.requester_url or None,
        )
        approval = ApprovalRef(approved_by=caller.user_id, channel=record.channel, ts=record.ts)
        try:
            result = await self.purchases.buy(quote, raw=raw, caller=buyer, approval=approval)
        except BotError as exc:
            failed = decided.model_copy(update={"error": exc.user_message})
            await self._tell_requester(record, failed)
            return ApprovalClosed(decision=failed, simulated=self.simulated)
        await self.approvals.note_outcome(caller.team_id, quote_id, result.status)
        if isinstance(result, Requoted):
            return await self._charges(caller, record, result.quote, decided)
        done = decided.model_copy(update={"purchase": result})
        await self._tell_requester(record, done)
        return ApprovalClosed(decision=done, simulated=self.simulated)

    async def _charges(
        self, caller: Caller, record: ApprovalRecord, new_quote: Quote, decided: ApprovalDecision
    ) -> Outcome:
        """The provider asked for charges after approval: they need their own approval."""
        team = caller.team_id
        await self.approvals.open(
            new_quote, requester=record.requester, url=record.requester_url, channel=record.requester_channel
        )
        await self.approvals.posted(team, new_quote.id, channel=record.channel, ts=record.ts)
        return ApprovalRequest(
            quote=new_quote,
            spend=await self.budget.read(team),
            approved_by=decided.by,
            approved_at=decided.at,
            simulated=self.simulated,
        )

    async def check_deny(self, caller: Caller, quote_id: str) -> DenyForm:
        """Before opening the reason form: refuse at once if this clicker may not deny."""
        record = await self._pending(caller, quote_id)
        return DenyForm(quote=record.quote, simulated=self.simulated)

    async def decide_deny(self, caller: Caller, quote_id: str, reason: str) -> ApprovalRecord:
        """The decision itself (Redis only, fast enough to answer the form with an error)."""
        record = await self._pending(caller, quote_id)
        verdict = await self.approvals.decide(caller.team_id, quote_id, "deny", decider=caller.user_id, reason=reason)
        if verdict != "won:denied":
            raise StaleAction(f"This request was already {verdict}.")
        return record

    async def finish_deny(self, caller: Caller, record: ApprovalRecord, reason: str) -> None:
        """After the form closed: drop the quote, record, update the message, tell the requester."""
        taken = await self.quotes.take(caller.team_id, record.quote.id)
        if taken is not None:
            await self.purchases.unhold(taken)
        quote = record.quote
        await self.audit.record(
            caller.team_id,
            quote_fields(quote, actor=caller.user_id, action="deny", outcome="denied", detail=reason or None),
        )
        denied = ApprovalDecision(quote=quote, decision="denied", by=caller.user_id, at=utcnow(), reason=reason)
        self.changes.changed(caller.team_id, record.requester, caller.user_id, approvals=True)
        await self.notifier.update(record.channel, record.ts, ApprovalClosed(decision=denied, simulated=self.simulated))
        await self._tell_requester(record, denied)

    # -- expiry ---------------------------------------------------------------------

    async def _expired(self, team_id: str, record: ApprovalRecord) -> ApprovalClosed:
        quote = record.quote
        await self.audit.record(
            team_id, quote_fields(quote, actor=record.requester, action="expire", outcome="expired")
        )
        expired = ApprovalDecision(quote=quote, decision="expired")
        self.changes.changed(team_id, record.requester, approvals=True)
        await self._tell_requester(record, expired)
        return ApprovalClosed(decision=expired, simulated=self.simulated)

    async def sweep(self) -> int:
        """Close requests whose quote expired with nobody deciding (runs with the reconciler)."""
        closed = 0
        for team, quote_id in await self.approvals.due():
            record = await self.approvals.get(team, quote_id)
            if record is None:
                await self.approvals.forget_due(team, quote_id)
                continue
            if await self.approvals.decide(team, quote_id, "expire", decider="system") != "won:expired":
                continue
            closed_message = await self._expired(team, record)
            if record.channel and record.ts:
                await self.notifier.update(record.channel, record.ts, closed_message)
            closed += 1
        return closed

    async def _tell_requester(self, record: ApprovalRecord, decision: ApprovalDecision) -> None:
        await self.notifier.tell(
            RequesterNotice(decision=decision, simulated=self.simulated),
            user_id=record.requester,
            response_url=record.requester_url or None,
            channel_id=record.requester_channel or None,
        )
