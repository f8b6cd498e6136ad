"""The monthly report in REPORT_CHANNEL: last month's spend, numbers added and released, idle
numbers with their cost, and the spend chart.

It is posted on the first day of each month (UTC), exactly once across every process: each
process looks every few minutes, and the one that claims the month for a team (SET NX with
a lease, `keys.report`) posts it and then marks the month as sent; the others find the claim
and do nothing. A claimer that dies before posting lets its lease lapse and another process
takes over; only a process dying between the post and the mark could let a second copy
follow. A deployment that was down all of the first day catches up until the third.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot import keys
from bot.audit import AuditLog
from bot.chart import ChartService
from bot.home import idle_numbers
from bot.models import new_id, utcnow
from bot.notify import Notifier
from bot.outcomes import MonthlyReport
from bot.pool import PoolStore
from bot.store import STORAGE_ERRORS, RedisClient

__all__ = ["CATCH_UP_DAYS", "INTERVAL", "ReportService", "due_month"]

log = logging.getLogger(__name__)

CATCH_UP_DAYS = 3  # the report of last month is still sent on days 1 to 3
INTERVAL = 300.0  # seconds between looks
LEASE_MS = 10 * 60 * 1000  # the claimer's time to post before another process may
SENT_MS = 62 * 24 * 3600 * 1000  # a sent month is remembered past the catch-up days
FAILED_MS = 30 * 60 * 1000  # after Slack refused the post, the next try waits this long

# KEYS: the month's claim. ARGV: our token, the new value, its life (ms). Only the claimer moves it on.
_SETTLE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""


def _month_start(when: datetime) -> datetime:
    return datetime(when.year, when.month, 1, tzinfo=UTC)


def due_month(now: datetime) -> datetime | None:
    """The start of the month whose report is due at `now` (the previous one), or None."""
    if now.astimezone(UTC).day > CATCH_UP_DAYS:
        return None
    return _month_start(_month_start(now.astimezone(UTC)) - timedelta(days=1))


class ReportService:
    def __init__(
        self,
        *,
        redis: RedisClient,
        channel: str | None,
        charts: ChartService,
        pool: PoolStore,
        audit: AuditLog,
        notifier: Notifier,
        simulated: frozenset[str] = frozenset(),
        clock: Callable[[], datetime] = utcnow,
        interval: float = INTERVAL,
    ) -> None:
        self.redis = redis
        self.channel = channel
        self.charts = charts
        self.pool = pool
        self.audit = audit
        self.notifier = notifier
        self.simulated = simulated
        self.clock = clock
        self.interval = interval
        self._settle = redis.register_script(_SETTLE)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run `run_forever` in the background (bot/server.py); `stop` ends it."""
        if self.channel and self._task is None:
            self._task = asyncio.create_task(self.run_forever(), name="reports")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run_forever(self) -> None:
        """Look every few minutes whether a report is due (started by bot/server.py serve())."""
        if not self.channel:
            return
        while True:
            try:
                await self.run_once()
            except STORAGE_ERRORS:
                log.warning("monthly report: storage unavailable; retrying")
            except Exception:
                log.exception("monthly report round failed")
            await asyncio.sleep(self.interval)

    async def run_once(self) -> list[str]:
        """Post the due report of every team no process has claimed yet; the teams posted here."""
        start = due_month(self.clock())
        if not self.channel or start is None:
            return []
        posted = []
        for team in sorted(await self.redis.smembers(keys.teams())):
            if await self._post(team, start):
                posted.append(team)
        return posted

    async def _post(self, team_id: str, start: datetime) -> bool:
        assert self.channel is not None
        claim, token = keys.report(team_id, start.strftime("%Y-%m")), f"posting:{new_id()}"
        if not await self.redis.set(claim, token, nx=True, px=LEASE_MS):
            return False  # another process posts it, or did
        try:
            report = await self.build(team_id, start)
            ts = await self.notifier.post(self.channel, report)
        except Exception:
            log.exception("could not post the monthly report", extra={"team": team_id, "month": f"{start:%Y-%m}"})
            await self._settle(keys=[claim], args=[token, "failed", FAILED_MS])
            return False
        await self._settle(keys=[claim], args=[token, f"sent:{ts}", SENT_MS])
        log.info("monthly report posted", extra={"team": team_id, "month": report.month, "channel": self.channel})
        await self._chart(report, ts)
        return True

    async def build(self, team_id: str, start: datetime) -> MonthlyReport:
        """The report of the month that begins at `start`, from Redis."""
        end = _month_start(start + timedelta(days=32))
        (history, spend), entries, items = await asyncio.gather(
            self.charts.history(team_id, end=start),
            self.audit.between(team_id, start, end),
            self.pool.items(team_id),
        )
        added = [e for e in entries if (e.action, e.outcome) in (("buy", "bought"), ("adopt", "ok"))]
        released = [e for e in entries if (e.action, e.outcome) == ("release", "released")]
        return MonthlyReport(
            month=start.strftime("%Y-%m"),
            spend=spend,
            added=tuple(added),
            released=tuple(released),
            idle=idle_numbers(items, spend),
            pool_total=len(items),
            history=history,
            simulated=self.simulated,
        )

    async def _chart(self, report: MonthlyReport, ts: str) -> None:
        """The chart of the six months up to the report's, in the report's thread: uploaded into the
        channel, so everyone in it can see it."""
        history = report.history
        if history is None or not any(history.totals):
            return
        try:
            await self.charts.upload(history, channel=self.channel, thread_ts=ts)
        except Exception:
            log.exception("could not post the monthly report's chart", extra={"month": report.month})
