"""The Home tab: the pool at a glance, approvals to decide, the month's spend and its chart, your own.

Everything shown is read from Redis (the pool as the bot recorded it, the spend hashes, the
pending approval requests, the audit log): opening the tab asks no provider anything and
answers in a few round trips. What the whole team sees is read once per refresh
(`Snapshot`); each user's view adds their role, their requests and purchases, and their
own state (the section shown in full, what their last click did), which lives in Redis for
a few minutes (`keys.home_state`), never in a process.

Publishing goes through `Changes` (bot/changes.py): opening the tab, a click in it, and every
purchase, decision or release queue a refresh, and the refresh publishes the Home of the
people concerned who have opened it lately: those the change names, approvers when the
requests changed, and anyone who opened it in the last half hour (they may be looking).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from bot import keys
from bot.access import RoleStore
from bot.admin import AdminService
from bot.approval_store import ApprovalRecord, ApprovalStore
from bot.audit import AuditEntry, AuditLog
from bot.changes import Changes
from bot.chart import ChartFile, ChartService
from bot.errors import StaleAction
from bot.models import Caller, IdleNumber, PoolItem, Role, Spend, SpendHistory, utcnow
from bot.notify import Notifier
from bot.outcomes import Activity, HomeView
from bot.phone import country_of
from bot.pool import PoolStore
from bot.store import RedisClient

__all__ = ["SECTIONS", "HomeService", "Snapshot", "idle_numbers", "recent_of"]

log = logging.getLogger(__name__)

ACTIVE_MS = 30 * 60 * 1000  # opened within this: may be looking at it now, so published on any change
KEEP_MS = 30 * 24 * 3600 * 1000  # opened within this: published when a change concerns them
STATE_TTL = 600  # seconds a user's Home state (section in full, last click's outcome) is kept
MAX_PUBLISH = 50  # Home tabs published per refresh at most (views.publish is rate limited)
RECENT_AUDIT = 500  # audit entries read for "your recent purchases and requests"
SECTIONS = ("approvals", "idle", "mine")

_TYPES = {
    PhoneNumberType.FIXED_LINE: "local",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "local",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.TOLL_FREE: "tollfree",
}


def _kind(e164: str) -> str:
    """local / mobile / tollfree from the numbering plan (the pool keeps no type of its own)."""
    try:
        return _TYPES.get(phonenumbers.number_type(phonenumbers.parse(e164, None)), "other")
    except NumberParseException:
        return "other"


def idle_numbers(items: Iterable[PoolItem], spend: Spend) -> tuple[IdleNumber, ...]:
    """Numbers nothing routes to (no forwarding, no SMS routing), most expensive first."""
    idle = [
        IdleNumber(item=item, converted=spend.convert(item.entry.monthly) if item.entry.monthly else None)
        for item in items
        if not item.forward_to and not item.releasing and item.sms is None
    ]
    return tuple(sorted(idle, key=lambda i: (i.converted is None, -(i.converted.amount if i.converted else 0))))


_DECISIONS = {"approve": "approved", "deny": "denied", "expire": "expired"}


def recent_of(entries: list[AuditEntry], user_id: str) -> tuple[Activity, ...]:
    """A user's own purchases and requests in audit entries (newest first), each request with
    the decision that followed it."""
    decided: dict[str, AuditEntry] = {}
    found: list[Activity] = []
    for entry in entries:
        if entry.action in _DECISIONS:
            decided[entry.number] = entry  # the decision of the next request of this number met
            continue
        # Every request takes its decision, whoever asked, so none is given another's.
        decision = decided.pop(entry.number, None) if entry.action == "request" else None
        if entry.action in ("buy", "request") and entry.actor == user_id:
            outcome, by = entry.outcome, ""
            if entry.action == "request":
                outcome = _DECISIONS[decision.action] if decision else "pending"
                by = decision.actor if decision and decision.action != "expire" else ""
            found.append(
                Activity(
                    at=entry.at,
                    action="buy" if entry.action == "buy" else "request",
                    number=entry.number,
                    provider=entry.provider,
                    cost=entry.cost,
                    outcome=outcome,
                    by=by,
                )
            )
    return tuple(found)


@dataclass(frozen=True)
class Snapshot:
    """What every member of a team sees, read once per refresh."""

    team_id: str
    at: datetime
    items: list[PoolItem]
    spend: Spend
    history: SpendHistory
    chart: ChartFile | None
    approvals: list[ApprovalRecord]
    audit: list[AuditEntry]


class HomeService:
    def __init__(
        self,
        *,
        redis: RedisClient,
        roles: RoleStore,
        pool: PoolStore,
        approvals: ApprovalStore,
        audit: AuditLog,
        charts: ChartService,
        admin: AdminService,
        notifier: Notifier,
        changes: Changes,
        simulated: frozenset[str] = frozenset(),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.redis = redis
        self.roles = roles
        self.pool = pool
        self.approvals = approvals
        self.audit = audit
        self.charts = charts
        self.admin = admin
        self.notifier = notifier
        self.changes = changes
        self.simulated = simulated
        self.clock = clock
        changes.listen(self.refresh)

    # -- what listeners call --------------------------------------------------------

    async def show(self, caller: Caller, *, notice: str | None = None) -> None:
        """The tab was opened or clicked in: note the viewer (and what the click did), then
        publish it again (in the background, through the team's queue)."""
        team, now = caller.team_id, self._ms()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(keys.home_viewers(team), {caller.user_id: now})
            pipe.zremrangebyscore(keys.home_viewers(team), "-inf", now - KEEP_MS)
            if notice is not None:
                state = keys.home_state(team, caller.user_id)
                pipe.hset(state, mapping={"notice": notice[:2000]})
                pipe.expire(state, STATE_TTL)
            await pipe.execute()
        self.changes.changed(team, caller.user_id)

    async def expand(self, caller: Caller, section: str) -> None:
        """Show one section in full ("" shows the summary again), then publish."""
        if section and section not in SECTIONS:
            raise StaleAction("This button is not valid any more; open the Home tab again.")
        state = keys.home_state(caller.team_id, caller.user_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(state, "expanded", section)
            pipe.expire(state, STATE_TTL)
            await pipe.execute()
        await self.show(caller)

    async def refresh(self, team_id: str, users: frozenset[str], approvals: bool) -> None:
        """Publish the Home of the people a change concerns (the listener of `Changes`), then draw
        the chart if it is due and, when it was, publish again with it."""
        now = self._ms()
        seen = dict(await self.redis.zrangebyscore(keys.home_viewers(team_id), now - KEEP_MS, "+inf", withscores=True))
        if not seen:
            return  # nobody looks at the Home tab
        roles = await self.roles.all(team_id)
        chosen = {u for u in users if u in seen} | {u for u, at in seen.items() if at >= now - ACTIVE_MS}
        if approvals:
            chosen |= {u for u, r in roles.items() if r.allows(Role.approver) and u in seen}
        targets = sorted(chosen, key=lambda u: -seen[u])[:MAX_PUBLISH]
        if not targets:
            return
        snapshot = await self.snapshot(team_id)
        await self._publish_all(snapshot, targets, roles)
        drawn = await self.charts.ensure(team_id, snapshot.history)
        if drawn is not None:
            await self._publish_all(replace(snapshot, chart=drawn), targets, roles)

    # -- building -------------------------------------------------------------------

    async def snapshot(self, team_id: str) -> Snapshot:
        now = self.clock()
        items = await self.pool.items(team_id)
        (history, spend), chart, records, entries = await asyncio.gather(
            self.charts.history(team_id, end=now),
            self.charts.current(team_id),
            self._pending(team_id, now),
            self.audit.latest(team_id, RECENT_AUDIT),
        )
        return Snapshot(team_id, now, items, spend, history, chart, records, entries)

    async def _pending(self, team_id: str, now: datetime) -> list[ApprovalRecord]:
        """Pending requests whose quote is still live, soonest expiry first."""
        live = await self.redis.zrangebyscore(keys.approvals(team_id), int(now.timestamp() * 1000), "+inf")
        records = await asyncio.gather(*(self.approvals.get(team_id, quote_id) for quote_id in live))
        return [r for r in records if r is not None and r.status == "pending"]

    def view(self, snapshot: Snapshot, user_id: str, role: Role | None, state: dict[str, str]) -> HomeView:
        """One user's Home from the team's snapshot, their role and their state."""
        notice = state.get("notice") or None
        if role is None:
            return HomeView(user_id=user_id, role=None, at=snapshot.at, help=self.admin.help(None), notice=notice)
        items = snapshot.items
        may_decide = role.allows(Role.approver)
        return HomeView(
            user_id=user_id,
            role=role,
            at=snapshot.at,
            pool_total=len(items),
            by_provider=dict(Counter(i.entry.provider for i in items).most_common()),
            by_country=dict(
                Counter(i.entry.country or country_of(i.entry.e164) or "unknown" for i in items).most_common()
            ),
            by_type=dict(Counter(_kind(i.entry.e164) for i in items).most_common()),
            idle=idle_numbers(items, snapshot.spend),
            approvals=tuple(r.quote for r in snapshot.approvals if may_decide and r.requester != user_id),
            spend=snapshot.spend,
            history=snapshot.history,
            chart_file=snapshot.chart.file_id if snapshot.chart else None,
            chart_at=snapshot.chart.drawn_at if snapshot.chart else None,
            mine=recent_of(snapshot.audit, user_id),
            expanded=state.get("expanded") or None,
            notice=notice,
            simulated=self.simulated,
        )

    # -- publishing -----------------------------------------------------------------

    async def _publish_all(self, snapshot: Snapshot, users: list[str], roles: dict[str, Role]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for user in users:
                pipe.hgetall(keys.home_state(snapshot.team_id, user))
            states = await pipe.execute()
        gate = asyncio.Semaphore(5)

        async def one(user: str, state: dict[str, str]) -> None:
            async with gate:
                await self._publish(self.view(snapshot, user, roles.get(user), state))

        await asyncio.gather(*(one(u, s) for u, s in zip(users, states, strict=True)))

    async def _publish(self, view: HomeView) -> None:
        try:
            await self.notifier.publish(view.user_id, view)
        except Exception:
            if view.chart_file is None:
                raise
            # Slack may not have finished processing a fresh upload: the figures are in the text too.
            log.warning("the Home tab was refused with its chart; publishing it without", exc_info=True)
            await self.notifier.publish(view.user_id, view.model_copy(update={"chart_file": None}))

    def _ms(self) -> int:
        return int(self.clock().timestamp() * 1000)
