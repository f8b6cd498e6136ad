"""The spend chart: six months of spend per provider, drawn server-side, uploaded to Slack once.

The figures come from Redis (each month's spend hash, read and converted into the team
currency by `BudgetStore.read`, the same machinery as `/number budget`). The picture is drawn
with matplotlib's Agg backend in a single worker thread (CPU work never runs on the event
loop, and matplotlib is imported only then: it costs tens of MB a process would otherwise not
hold). Across every process, a team's chart is drawn at most once an hour, and only when its
figures changed: one Lua step compares the figures' digest and the time of the last drawing
(kept in Redis with the uploaded file's id) and takes a lock, so one process draws.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from bot import keys
from bot.budget import BudgetStore
from bot.models import Frozen, Spend, SpendHistory, new_id, utcnow
from bot.notify import Notifier

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["EVERY", "MONTHS", "ChartFile", "ChartService", "draw", "history_of", "month_starts", "render_png"]

log = logging.getLogger(__name__)

MONTHS = 6
EVERY = 3600  # seconds: at most one drawing an hour per team
LOCK_MS = 120_000  # while one process draws
FAILED_MS = 600_000  # after a failed drawing or upload, the next try waits this long
VERSION = "1"  # part of the digest: a change in how the chart looks draws it again
_CENT = Decimal("0.01")

# KEYS: chart, lock. ARGV: digest, now (s), every (s), lock ms, token
_CLAIM = """
local file = redis.call('HGET', KEYS[1], 'file_id')
if file and redis.call('HGET', KEYS[1], 'digest') == ARGV[1] then return 'same' end
local drawn = tonumber(redis.call('HGET', KEYS[1], 'drawn_at') or '0')
if file and tonumber(ARGV[2]) - drawn < tonumber(ARGV[3]) then return 'recent' end
if redis.call('SET', KEYS[2], ARGV[5], 'NX', 'PX', ARGV[4]) then return 'draw' end
return 'busy'
"""

# KEYS: chart, lock. ARGV: token, digest, file id, now (s). Returns the file two drawings old.
_STORE = """
local older = redis.call('HGET', KEYS[1], 'previous') or ''
local previous = redis.call('HGET', KEYS[1], 'file_id') or ''
redis.call('HSET', KEYS[1], 'digest', ARGV[2], 'file_id', ARGV[3], 'drawn_at', ARGV[4], 'previous', previous)
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return older
"""


class ChartFile(Frozen):
    file_id: str
    drawn_at: datetime


def month_starts(end: datetime, count: int = MONTHS) -> list[datetime]:
    """The first instant of each of the `count` months ending with `end`'s, oldest first."""
    year, month = end.year, end.month
    starts = []
    for _ in range(count):
        starts.append(datetime(year, month, 1, tzinfo=UTC))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def history_of(spends: list[Spend]) -> SpendHistory:
    """Months of spend (oldest first) as the chart's figures, per provider, in the team currency."""
    currency = spends[-1].currency
    per_month = [spend.by_provider() for spend in spends]
    names = sorted({name for month in per_month for name in month})
    series: dict[str, tuple[Decimal, ...]] = {}
    for name in names:
        values = []
        for month in per_month:
            total, _ = month.get(name, (None, 0))
            values.append((total.amount if total is not None else Decimal(0)).quantize(_CENT))
        series[name] = tuple(values)
    charges = [m for spend in spends for e in spend.month.spent for m in e.charges]
    return SpendHistory(
        currency=currency,
        months=tuple(spend.month.month for spend in spends),
        series=series,
        no_rate=tuple(spends[-1].no_rate(charges)),
        unknown=sum(spend.month.unknown for spend in spends),
    )


def digest(history: SpendHistory) -> str:
    return hashlib.sha256(f"{VERSION}:{history.model_dump_json()}".encode()).hexdigest()


def render_png(history: SpendHistory) -> bytes:
    """Stacked bars, one colour per provider; the figures ride along in the PNG's metadata.

    CPU work: call it through `draw`, never on the event loop."""
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.6), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [datetime.strptime(m, "%Y-%m").strftime("%b %Y") for m in history.months]
    bottom = [0.0] * len(labels)
    palette = colormaps["tab10"]
    for i, (name, values) in enumerate(history.series.items()):
        heights = [float(v) for v in values]
        axes.bar(labels, heights, bottom=bottom, label=name, color=palette(i % 10), width=0.6)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    for x, total in enumerate(history.totals):
        axes.annotate(f"{total:.2f}", (x, float(total)), ha="center", va="bottom", fontsize=8)
    axes.set_ylabel(history.currency)
    axes.set_title(f"Spend per provider ({history.currency})", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    if history.series:
        axes.legend(loc="upper left", fontsize=8, frameon=False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Title": "numberbot spend", "Description": history.model_dump_json()})
    return out.getvalue()


_executor: ThreadPoolExecutor | None = None


async def draw(history: SpendHistory) -> bytes:
    """`render_png` in the one drawing thread (matplotlib is not made for several at once)."""
    global _executor  # one thread, made when first needed, for the whole process
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")
    return await asyncio.get_running_loop().run_in_executor(_executor, render_png, history)


class ChartService:
    def __init__(
        self,
        *,
        redis: RedisClient,
        budget: BudgetStore,
        notifier: Notifier,
        clock: Callable[[], datetime] = utcnow,
        every: int = EVERY,
        drawer: Callable[[SpendHistory], Awaitable[bytes]] = draw,
    ) -> None:
        self.redis = redis
        self.budget = budget
        self.notifier = notifier
        self.clock = clock
        self.every = every
        self.drawer = drawer
        self._claim = redis.register_script(_CLAIM)
        self._store = redis.register_script(_STORE)

    async def history(self, team_id: str, *, end: datetime | None = None) -> tuple[SpendHistory, Spend]:
        """The chart's figures for the months up to `end` (now), and the last month's Spend."""
        spends = await asyncio.gather(
            *(self.budget.read(team_id, start) for start in month_starts(end or self.clock()))
        )
        return history_of(list(spends)), spends[-1]

    async def current(self, team_id: str) -> ChartFile | None:
        """The chart uploaded last (perhaps of older figures), without drawing anything."""
        stored = await self.redis.hmget(keys.chart(team_id), ["file_id", "drawn_at"])
        if not stored[0]:
            return None
        return ChartFile(file_id=stored[0], drawn_at=datetime.fromtimestamp(float(stored[1] or 0), tz=UTC))

    async def upload(self, history: SpendHistory, *, channel: str | None = None, thread_ts: str | None = None) -> str:
        """Draw the chart and upload it (files.uploadV2); its file id. Without a channel it is
        shared nowhere (a view the bot publishes shows it by id); with one, everyone there sees it."""
        return await self.notifier.upload(
            await self.drawer(history),
            filename=f"spend-{history.months[-1]}.png",
            title=f"Spend per provider, {history.months[0]} to {history.months[-1]}",
            alt=history.describe(),
            channel=channel,
            thread_ts=thread_ts,
        )

    async def ensure(self, team_id: str, history: SpendHistory) -> ChartFile | None:
        """Draw and upload the chart if its figures changed and the last drawing is an hour old;
        returns the new chart, or None when nothing was drawn (same figures, too soon, another
        process drawing, no spend at all, or a failure, which is logged and retried later)."""
        if not any(history.totals):
            return None
        now = self.clock()
        token = new_id()
        chart_key, lock = keys.chart(team_id), keys.chart_lock(team_id)
        mark = digest(history)
        verdict = await self._claim(
            keys=[chart_key, lock], args=[mark, f"{now.timestamp():.3f}", self.every, LOCK_MS, token]
        )
        if verdict != "draw":
            return None
        try:
            file_id = await self.upload(history)
        except Exception:
            log.exception("could not draw or upload the spend chart", extra={"team": team_id})
            await self.redis.pexpire(lock, FAILED_MS)  # the next try waits
            return None
        older = await self._store(keys=[chart_key, lock], args=[token, mark, file_id, f"{now.timestamp():.3f}"])
        if older:
            await self.notifier.delete_file(str(older))  # two drawings old: no Home shows it any more
        log.info("spend chart drawn", extra={"team": team_id, "file": file_id, "months": json.dumps(history.months)})
        return ChartFile(file_id=file_id, drawn_at=now)
