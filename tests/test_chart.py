"""The spend chart: drawn from Redis figures, uploaded once, redrawn at most hourly and only on change."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PIL import Image
from redis.asyncio import Redis

from bot import keys
from bot.budget import spend_entry
from bot.chart import ChartService, digest, draw, month_starts
from bot.models import Money, SpendHistory
from bot.services import Services
from tests.conftest import BotFactory
from tests.rates import fixed_rates
from tests.slack import ADMIN, TEAM, BotUnderTest

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def gbp(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="GBP")


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


async def spent(redis: Redis, month: str, op: str, provider: str, *charges: Money) -> None:
    await redis.hset(keys.spend(TEAM, month), op, spend_entry(list(charges), provider))


async def fixed_spend(redis: Redis) -> None:
    """Four months of purchases (1 EUR = 1.10 USD = 0.85 GBP), an old entry, one of unknown cost."""
    await spent(redis, "2026-07", "a", "vonage", usd("3.00"), usd("1.00"))
    await spent(redis, "2026-09", "b", "sandbox", gbp("0.85"))
    await spent(redis, "2026-09", "c", "vonage", usd("2.50"))
    await spent(redis, "2026-11", "d", "flowroute", usd("4.00"))
    await spent(redis, "2026-11", "e", "flowroute")  # cost unknown
    await redis.hset(keys.spend(TEAM, "2026-10"), "f", json.dumps([["2.20", "USD"]]))  # before providers were kept
    await spent(redis, "2026-04", "g", "vonage", usd("99.00"))  # older than six months: not on the chart


EXPECTED = SpendHistory(
    currency="USD",
    months=("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"),
    series={
        "earlier purchases": tuple(Decimal(v) for v in ("0.00", "0.00", "0.00", "0.00", "2.20", "0.00")),
        "flowroute": tuple(Decimal(v) for v in ("0.00", "0.00", "0.00", "0.00", "0.00", "4.00")),
        "sandbox": tuple(Decimal(v) for v in ("0.00", "0.00", "0.00", "1.10", "0.00", "0.00")),
        "vonage": tuple(Decimal(v) for v in ("0.00", "4.00", "0.00", "2.50", "0.00", "0.00")),
    },
    unknown=1,
)


@pytest.fixture
async def charted(make_bot: BotFactory, redis: Redis) -> tuple[BotUnderTest, ChartService, Clock]:
    bot = await make_bot(redis=redis, rates=fixed_rates())
    clock = Clock(NOW)
    svc: Services = bot.services
    charts = ChartService(redis=redis, budget=svc.budget, notifier=svc.notifier, clock=clock)
    return bot, charts, clock


def png_of(slack_files: dict, file_id: str) -> Image.Image:
    return Image.open(io.BytesIO(slack_files[file_id]["content"]))


async def test_the_chart_is_drawn_from_the_spend_in_redis_and_carries_its_figures(
    charted: tuple[BotUnderTest, ChartService, Clock], redis: Redis
) -> None:
    bot, charts, _ = charted
    await fixed_spend(redis)
    history, spend = await charts.history(TEAM)
    assert history == EXPECTED
    assert spend.month.month == "2026-11"

    drawn = await charts.ensure(TEAM, history)
    assert drawn is not None
    (upload,) = bot.stub.api_calls("files.completeUploadExternal")
    assert upload.data.get("channel_id") is None, "shared in no channel: the Home's image block shows it by id"
    image = png_of(bot.stub.files, drawn.file_id)
    assert (image.format, image.size) == ("PNG", (800, 360))
    assert SpendHistory.model_validate_json(image.text["Description"]) == EXPECTED, "the data behind the picture"
    stored = await redis.hgetall(keys.chart(TEAM))
    assert stored["file_id"] == drawn.file_id
    assert await charts.current(TEAM) == drawn


async def test_redrawn_at_most_once_an_hour_and_only_when_the_figures_changed(
    charted: tuple[BotUnderTest, ChartService, Clock], redis: Redis
) -> None:
    bot, charts, clock = charted
    await fixed_spend(redis)

    async def ensure() -> str | None:
        drawn = await charts.ensure(TEAM, (await charts.history(TEAM))[0])
        return drawn.file_id if drawn else None

    first = await ensure()
    assert first is not None
    clock.now += timedelta(hours=2)
    assert await ensure() is None, "same figures: not drawn again, however old"
    await spent(redis, "2026-11", "h", "vonage", usd("1.00"))
    clock.now += timedelta(minutes=10)
    second = await ensure()
    assert second is not None, "new figures, last drawing two hours old"
    await spent(redis, "2026-11", "i", "vonage", usd("1.00"))
    clock.now += timedelta(minutes=59)
    assert await ensure() is None, "new figures, but drawn less than an hour ago"
    assert (await charts.current(TEAM)).file_id == second  # type: ignore[union-attr]
    clock.now += timedelta(minutes=2)
    third = await ensure()
    assert third is not None
    assert len(bot.stub.api_calls("files.completeUploadExternal")) == 3
    assert [c.data["file"] for c in bot.stub.api_calls("files.delete")] == [first], "two drawings old: deleted"


async def test_two_processes_draw_one_chart(make_bot: BotFactory, redis: Redis) -> None:
    await two_processes_draw_one_chart(make_bot, redis)


@pytest.mark.redis_server
async def test_two_processes_draw_one_chart_on_a_real_redis(make_bot: BotFactory, real_redis: Redis) -> None:
    await two_processes_draw_one_chart(make_bot, real_redis)


async def two_processes_draw_one_chart(make_bot: BotFactory, redis: Redis) -> None:
    bots = [await make_bot(redis=redis, rates=fixed_rates()) for _ in range(2)]
    await fixed_spend(redis)
    charts = [ChartService(redis=redis, budget=b.services.budget, notifier=b.services.notifier) for b in bots]
    history = (await charts[0].history(TEAM, end=NOW))[0]
    drawn = await asyncio.gather(*(c.ensure(TEAM, history) for c in charts for _ in range(3)))
    assert len([d for d in drawn if d is not None]) == 1
    assert len(bots[0].stub.api_calls("files.completeUploadExternal")) == 1


async def test_no_spend_draws_nothing(charted: tuple[BotUnderTest, ChartService, Clock]) -> None:
    bot, charts, _ = charted
    assert await charts.ensure(TEAM, (await charts.history(TEAM))[0]) is None
    assert bot.stub.api_calls("files.getUploadURLExternal") == []


async def test_a_failed_upload_is_retried_later_not_at_every_home(
    charted: tuple[BotUnderTest, ChartService, Clock], redis: Redis
) -> None:
    bot, charts, _clock = charted
    await fixed_spend(redis)
    history = (await charts.history(TEAM))[0]
    bot.stub.failures["files.getUploadURLExternal"] = "not_allowed_token_type"
    assert await charts.ensure(TEAM, history) is None
    del bot.stub.failures["files.getUploadURLExternal"]
    assert await charts.ensure(TEAM, history) is None, "backing off after a failure"
    assert await redis.pttl(keys.chart_lock(TEAM)) > 5 * 60 * 1000
    await redis.delete(keys.chart_lock(TEAM))  # the backoff has passed
    assert await charts.ensure(TEAM, history) is not None


async def test_drawing_runs_in_one_worker_thread_not_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def fake_render(history: SpendHistory) -> bytes:
        seen.append(threading.current_thread().name)
        return b"png"

    monkeypatch.setattr("bot.chart.render_png", fake_render)
    await asyncio.gather(draw(EXPECTED), draw(EXPECTED))
    assert len(seen) == 2
    assert all(name.startswith("chart") for name in seen)
    assert threading.current_thread().name not in seen


def test_matplotlib_is_imported_only_to_draw() -> None:
    """It costs tens of MB: a process that never draws never holds it."""
    code = "import sys, bot.server, bot.console.session; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"


async def test_the_home_tab_shows_the_uploaded_chart_by_its_file_id(bot: BotUnderTest, redis: Redis) -> None:
    for i, month in enumerate(month_starts(datetime.now(UTC))):
        await spent(redis, month.strftime("%Y-%m"), f"op{i}", "sandbox", usd(f"{i + 1}.00"))
    await bot.home()
    uploaded = bot.stub.api_calls("files.completeUploadExternal")
    assert len(uploaded) == 1
    (file_id,) = [f["id"] for f in json.loads(uploaded[0].data["files"])]
    (image,) = [b for b in bot.home_view()["blocks"] if b["type"] == "image"]
    assert image["slack_file"] == {"id": file_id}
    assert "sandbox 6.00" in image["alt_text"]
    await bot.home()
    assert len(bot.stub.api_calls("files.completeUploadExternal")) == 1, "drawn once, shown again"


async def test_a_chart_slack_refuses_is_left_out_and_the_home_still_published(bot: BotUnderTest, redis: Redis) -> None:
    await spent(redis, datetime.now(UTC).strftime("%Y-%m"), "a", "sandbox", usd("1.00"))
    # A chart whose file Slack no longer has (deleted by hand), with the figures of now: not redrawn.
    history = (await bot.services.home.charts.history(TEAM))[0]
    stamp = f"{datetime.now(UTC).timestamp():.3f}"
    await redis.hset(keys.chart(TEAM), mapping={"file_id": "F0GONE", "digest": digest(history), "drawn_at": stamp})
    view = await bot.home(ADMIN)
    refused = bot.stub.take_refusals()
    assert [c.method for c in refused] == ["views.publish"]
    assert "invalid slack file" in refused[0].problems[0]
    assert [b for b in view["blocks"] if b["type"] == "image"] == []
    assert "USD per month" in json.dumps(view["blocks"]), "the figures are still there, as text"
    assert view == bot.home_view(ADMIN)
