"""Approval requests: ask in APPROVALS_CHANNEL, decide once, buy exactly once.

An approval request is a Redis hash beside its quote (same team hash tag). A decision is one
Lua step from "pending" to approved, denied or expired, so two approvers, an approver and a
denier, or a click racing the expiry sweep get exactly one outcome. An approved request is
bought through the same claim-and-journal machinery as a direct confirmation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

from bot import keys
from bot.audit import AuditLog, quote_fields
from bot.blocks.approvals import approval_closed, approval_request, decided_at, deny_modal, requester_notice
from bot.blocks.common import escape, provider_text
from bot.budget import BudgetStore
from bot.errors import BotError, PermissionDenied, StaleAction
from bot.models import Caller, Frozen, Quote, Role, utcnow
from bot.notify import Notifier
from bot.purchases import PurchaseService
from bot.quotes import QuoteStore
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["ApprovalRecord", "ApprovalService"]

log = logging.getLogger(__name__)

DECIDED_TTL = 30 * 24 * 3600

# KEYS: approval, approvals index, quote. ARGV: quote id, requester, url, channel, expires ms, now
_OPEN = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGET', KEYS[1], 'status') end
local q = redis.call('GET', KEYS[3])
if not q then return 'expired' end
redis.call('HSET', KEYS[1], 'status', 'pending', 'quote', q, 'requester', ARGV[2],
  'requester_url', ARGV[3], 'requester_channel', ARGV[4], 'created_at', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return 'ok'
"""

# KEYS: approval, quote, approvals index. ARGV: quote id, mode, decider, now, reason, ttl
# approve: needs the quote (else the request expires); deny: always; expire: only if the quote is gone.
_DECIDE = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= 'pending' then return status end
local mode = ARGV[2]
local quote_alive = redis.call('EXISTS', KEYS[2]) == 1
if mode == 'expire' and quote_alive then return 'live' end
if mode == 'approve' and not quote_alive then mode = 'expire' end
local final = ({approve = 'approved', deny = 'denied', expire = 'expired'})[mode]
redis.call('HSET', KEYS[1], 'status', final, 'decided_by', ARGV[3], 'decided_at', ARGV[4], 'reason', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZREM', KEYS[3], ARGV[1])
return 'won:' .. final
"""

Progress = Callable[[Reply], Awaitable[None]]


class ApprovalRecord(Frozen):
    status: str
    quote: Quote
    requester: str
    requester_url: str = ""
    requester_channel: str = ""
    channel: str = ""
    ts: str = ""
    decided_by: str = ""
    reason: str = ""


class ApprovalService:
    def __init__(
        self,
        *,
        redis: RedisClient,
        purchases: PurchaseService,
        quotes: QuoteStore,
        budget: BudgetStore,
        audit: AuditLog,
        notifier: Notifier,
        channel: str | None,
    ) -> None:
        self.redis = redis
        self.purchases = purchases
        self.quotes = quotes
        self.budget = budget
        self.audit = audit
        self.notifier = notifier
        self.channel = channel
        self._open = redis.register_script(_OPEN)
        self._decide = redis.register_script(_DECIDE)

    async def record(self, team_id: str, quote_id: str) -> ApprovalRecord | None:
        raw = await self.redis.hgetall(keys.approval(team_id, quote_id))
        if not raw or "quote" not in raw:
            return None
        fields = {k: v for k, v in raw.items() if k in ApprovalRecord.model_fields and k != "quote"}
        return ApprovalRecord(quote=Quote.model_validate_json(raw["quote"]), **fields)

    # -- asking ---------------------------------------------------------------------

    async def _open_for(self, quote: Quote, requester: str, url: str, channel: str) -> str:
        """Open a pending request for a live quote, once; returns "ok" or why not."""
        team = quote.team_id
        return await self._open(  # type: ignore[no-any-return]
            keys=[keys.approval(team, quote.id), keys.approvals(team), keys.quote(team, quote.id)],
            args=[quote.id, requester, url, channel, int(quote.expires_at.timestamp() * 1000), utcnow().isoformat()],
        )

    async def request(self, caller: Caller, quote_id: str) -> Reply:
        """Request approval: post the request to the approvals channel (once)."""
        quote = await self.quotes.quote(caller.team_id, quote_id)
        if quote is None:
            raise StaleAction("This quote has expired; search and press Buy again for a fresh one.")
        if quote.user_id != caller.user_id:
            raise PermissionDenied(f"Only <@{quote.user_id}>, who asked for this quote, can request approval for it.")
        if not self.channel:
            raise StaleAction("No approvals channel is configured (APPROVALS_CHANNEL); ask an admin to set one.")
        team = caller.team_id
        await self.redis.sadd(keys.teams(), team)
        opened = await self._open_for(quote, caller.user_id, caller.response_url or "", caller.channel_id or "")
        if opened == "expired":
            raise StaleAction("This quote has expired; search and press Buy again for a fresh one.")
        if opened != "ok":
            raise StaleAction(f"Approval for this quote was already requested ({opened}).")
        settings, spend = await self.budget.snapshot(team)
        try:
            ts = await self.notifier.post(self.channel, approval_request(quote, settings=settings, spend=spend))
        except Exception:
            await self.redis.delete(keys.approval(team, quote_id))
            await self.redis.zrem(keys.approvals(team), quote_id)
            log.exception("could not post approval request", extra={"channel": self.channel})
            raise StaleAction(
                f"Could not post to the approvals channel <#{self.channel}>; is the bot in it? Try again."
            ) from None
        await self.redis.hset(keys.approval(team, quote_id), mapping={"channel": self.channel, "ts": ts})
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
        text = (
            f"🙋 Approval requested in <#{self.channel}> for {quote.offer.e164} "
            f"({provider_text(quote.offer.provider)}). You will hear back here."
        )
        return Reply(text=text, replace_original=True)

    async def ask_again(self, caller: Caller, role: Role, quote_id: str) -> Reply:
        """After an expiry: a fresh quote for the same number, priced again."""
        record = await self.record(caller.team_id, quote_id)
        if record is None or record.requester != caller.user_id:
            raise StaleAction("That request is no longer known; search and press Buy again.")
        return (await self.purchases.quote_offer(caller, role, record.quote.offer)).as_new()

    # -- deciding -------------------------------------------------------------------

    async def _open_request(self, caller: Caller, quote_id: str) -> ApprovalRecord:
        record = await self.record(caller.team_id, quote_id)
        if record is None:
            raise StaleAction("This approval request is no longer known.")
        if record.requester == caller.user_id:
            raise PermissionDenied("You cannot decide on your own request; another approver or admin must.")
        if record.status != "pending":
            who = f" by <@{record.decided_by}>" if record.decided_by else ""
            raise StaleAction(f"This request was already {record.status}{who}.")
        return record

    async def _decide_as(
        self, caller: Caller, quote_id: str, mode: Literal["approve", "deny", "expire"], reason: str = ""
    ) -> str:
        team = caller.team_id
        return await self._decide(  # type: ignore[no-any-return]
            keys=[keys.approval(team, quote_id), keys.quote(team, quote_id), keys.approvals(team)],
            args=[quote_id, mode, caller.user_id, utcnow().isoformat(), reason, DECIDED_TTL],
        )

    async def approve(self, caller: Caller, quote_id: str, *, progress: Progress) -> Reply:
        """Approve: decide once, then buy once; returns the updated approval message."""
        record = await self._open_request(caller, quote_id)
        quote = record.quote
        verdict = await self._decide_as(caller, quote_id, "approve")
        if verdict == "won:expired":
            return await self._expired(caller.team_id, record)
        if verdict != "won:approved":
            raise StaleAction(f"This request was already {verdict}.")
        stamp = decided_at(utcnow())
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
        await progress(approval_closed(quote, f"✅ Approved by <@{caller.user_id}> at {stamp}; buying…"))
        raw = await self.quotes.raw_quote(caller.team_id, quote_id)
        if raw is None:
            return await self._expired(caller.team_id, record)
        buyer = Caller(
            team_id=caller.team_id,
            user_id=record.requester,
            channel_id=record.requester_channel or None,
            response_url=record.requester_url or None,
        )
        approval = {"approved_by": caller.user_id, "approval_channel": record.channel, "approval_ts": record.ts}

        async def quiet(_: Reply) -> None:
            return None

        try:
            outcome = await self.purchases.buy(quote, raw=raw, caller=buyer, progress=quiet, approval=approval)
        except BotError as exc:
            verdict_line = f"✅ Approved by <@{caller.user_id}> at {stamp}, but {escape(exc.user_message)}"
            await self._tell_requester(record, requester_notice(verdict_line))
            return approval_closed(quote, verdict_line)
        await self.redis.hset(keys.approval(caller.team_id, quote_id), "outcome", outcome.status)
        if outcome.status == "charges" and outcome.new_quote is not None:
            return await self._charges(caller, record, outcome.new_quote, stamp)
        line = {
            "bought": f"bought {quote.offer.e164}",
            "failed": f"the purchase failed: {escape(outcome.reason)}",
            "pending": "the provider has not confirmed yet; the outcome will follow",
        }[outcome.status]
        await self._tell_requester(record, requester_notice(f"<@{caller.user_id}> approved your request: {line}."))
        return approval_closed(quote, f"✅ Approved by <@{caller.user_id}> at {stamp}: {line}.")

    async def _charges(self, caller: Caller, record: ApprovalRecord, new_quote: Quote, stamp: str) -> Reply:
        """The provider asked for charges after approval: they need their own approval."""
        assert new_quote.accepted_charges is not None
        team = caller.team_id
        await self._open_for(new_quote, record.requester, record.requester_url, record.requester_channel)
        settings, spend = await self.budget.snapshot(team)
        request = approval_request(new_quote, settings=settings, spend=spend)
        await self.redis.hset(keys.approval(team, new_quote.id), mapping={"channel": record.channel, "ts": record.ts})
        note = f"Approved by <@{caller.user_id}> at {stamp}, but {provider_text(new_quote.offer.provider)} asks for "
        note += f"{new_quote.accepted_charges.display()} to activate it: that needs approving too."
        blocks = [*(request.blocks or [])]
        blocks.insert(1, {"type": "section", "text": {"type": "mrkdwn", "text": note}})
        return Reply(text=f"{note} {request.text}", blocks=blocks, replace_original=True)

    def deny_view(self, record: ApprovalRecord) -> dict[str, object]:
        return deny_modal(record.quote)

    async def check_deny(self, caller: Caller, quote_id: str) -> ApprovalRecord:
        """Before opening the reason form: refuse at once if this clicker may not deny."""
        return await self._open_request(caller, quote_id)

    async def decide_deny(self, caller: Caller, quote_id: str, reason: str) -> ApprovalRecord:
        """The decision itself (Redis only, fast enough to answer the form with an error)."""
        record = await self._open_request(caller, quote_id)
        verdict = await self._decide_as(caller, quote_id, "deny", reason)
        if verdict != "won:denied":
            raise StaleAction(f"This request was already {verdict}.")
        return record

    async def finish_deny(self, caller: Caller, record: ApprovalRecord, reason: str) -> None:
        """After the form closed: drop the quote, record, update the message, tell the requester."""
        quote_id = record.quote.id
        taken = await self.quotes.take(caller.team_id, quote_id)
        if taken is not None and taken.hold is not None:
            provider = self.purchases.providers.get(taken.offer.provider)
            if provider is not None:
                try:
                    await provider.unhold(taken.hold)
                except BotError:
                    log.warning("could not give a reservation back", extra={"quote": quote_id})
        quote = record.quote
        await self.audit.record(
            caller.team_id,
            quote_fields(quote, actor=caller.user_id, action="deny", outcome="denied", detail=reason or None),
        )
        because = f": {escape(reason)}" if reason else ""
        stamp = decided_at(utcnow())
        await self.notifier.update(
            record.channel, record.ts, approval_closed(quote, f"❌ Denied by <@{caller.user_id}> at {stamp}{because}")
        )
        await self._tell_requester(
            record,
            requester_notice(
                f"<@{caller.user_id}> denied your request for {quote.offer.e164}{because}. Nothing was bought."
            ),
        )

    # -- expiry ---------------------------------------------------------------------

    async def _expired(self, team_id: str, record: ApprovalRecord) -> Reply:
        quote = record.quote
        await self.audit.record(
            team_id, quote_fields(quote, actor=record.requester, action="expire", outcome="expired")
        )
        await self._tell_requester(
            record,
            requester_notice(
                f"⌛ Your request for {quote.offer.e164} expired before anyone approved it; nothing was bought.",
                ask_again=quote.id,
            ),
        )
        return approval_closed(quote, "⌛ The quote expired before a decision; nothing was bought.")

    async def sweep(self) -> int:
        """Close requests whose quote expired with nobody deciding (runs with the reconciler)."""
        closed = 0
        now = int(time.time() * 1000)
        for team in sorted(await self.redis.smembers(keys.teams())):
            for quote_id in await self.redis.zrangebyscore(keys.approvals(team), "-inf", now):
                record = await self.record(team, quote_id)
                if record is None:
                    await self.redis.zrem(keys.approvals(team), quote_id)
                    continue
                system = Caller(team_id=team, user_id="system")
                if await self._decide_as(system, quote_id, "expire") != "won:expired":
                    continue
                reply = await self._expired(team, record)
                if record.channel and record.ts:
                    await self.notifier.update(record.channel, record.ts, reply)
                closed += 1
        return closed

    async def _tell_requester(self, record: ApprovalRecord, reply: Reply) -> None:
        await self.notifier.tell(
            reply,
            user_id=record.requester,
            response_url=record.requester_url or None,
            channel_id=record.requester_channel or None,
        )
