"""The monthly report: due on the first of the month (UTC), posted once across processes, from Redis."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.audit import entry_fields
from bot.budget import spend_entry
from bot.console.slack_stub import SlackStub
from bot.models import Money, PoolEntry
from bot.report import due_month
from tests.conftest import BotFactory, make_settings
from tests.rates import fixed_rates
from tests.slack import ADMIN, TEAM, BotUnderTest

REPORTS = "C0REPORTS"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def at(day: int, month: int = 11, year: int = 2026, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (at(1), "2026-10"),
        (at(3, hour=23), "2026-10"),
        (at(4), None),
        (at(30), None),
        (at(1, month=1, year=2027), "2026-12"),
    ],
)
def test_the_report_of_last_month_is_due_on_the_first_days_of_a_month(now: datetime, due: str | None) -> None:
    start = due_month(now)
    assert (start.strftime("%Y-%m") if start else None) == due


async def october(redis: Redis) -> None:
    """October: two purchases and a release recorded, one purchase failed; a pool of three now."""
    usd = Money(amount=Decimal("4.00"), currency="USD")
    await redis.sadd(keys.teams(), TEAM)
    await redis.hset(keys.spend(TEAM, "2026-10"), "op1", spend_entry([usd], "vonage"))
    await redis.hset(keys.spend(TEAM, "2026-10"), "op2", spend_entry([Money.parse("1.70", "GBP")], "sandbox"))
    await redis.hset(keys.spend(TEAM, "2026-09"), "op0", spend_entry([usd], "vonage"))
    await redis.hset(keys.spend(TEAM, "2026-11"), "op3", spend_entry([usd, usd], "vonage"))  # after the month
    for when, actor, action, number, outcome in [
        (datetime(2026, 9, 30, 23, 59, tzinfo=UTC), ADMIN, "buy", "+15550000001", "bought"),
        (datetime(2026, 10, 2, tzinfo=UTC), ADMIN, "buy", "+14155550101", "bought"),
        (datetime(2026, 10, 9, tzinfo=UTC), "U0BUYER", "adopt", "+442079460001", "ok"),
        (datetime(2026, 10, 20, tzinfo=UTC), ADMIN, "buy", "+1999", "failed"),
        (datetime(2026, 10, 31, 23, 59, tzinfo=UTC), ADMIN, "release", "+14155550100", "released"),
        (datetime(2026, 11, 1, 0, 1, tzinfo=UTC), ADMIN, "release", "+15550000002", "released"),
    ]:
        fields = entry_fields(actor=actor, action=action, number=number, provider="sandbox", outcome=outcome)
        await redis.xadd(keys.audit(TEAM), fields, id=f"{int(when.timestamp() * 1000)}-0")
    for e164, monthly, forward in [
        ("+14155550101", "2.00", None),
        ("+442079460001", "1.70", "+447400123456"),
        ("+14155550102", "9.00", None),
    ]:
        entry = PoolEntry(
            e164=e164,
            provider="vonage",
            monthly=Money.parse(monthly, "USD" if e164.startswith("+1") else "GBP"),
            bought_by=ADMIN,
            bought_at=datetime(2026, 10, 2, tzinfo=UTC),
        )
        await redis.hset(keys.pool(TEAM), e164, entry.model_dump_json())
        if forward:
            await redis.hset(keys.forwards(TEAM), e164, forward)


async def replicas(make_bot: BotFactory, redis: Redis, clock: Clock, count: int = 2) -> list[BotUnderTest]:
    bots = []
    for _ in range(count):
        bot = await make_bot(redis=redis, settings=make_settings(report_channel=REPORTS), rates=fixed_rates())
        bot.services.reports.clock = clock
        bots.append(bot)
    return bots


def reports(slack: SlackStub) -> list:
    return [c for c in slack.api_calls("chat.postMessage") if c.data["channel"] == REPORTS and c.answer.get("ok")]


@pytest.mark.redis_server
async def test_the_report_runs_once_a_month_across_two_processes(
    make_bot: BotFactory, real_redis: Redis, slack: SlackStub
) -> None:
    clock = Clock(at(1))
    first, second = await replicas(make_bot, real_redis, clock)
    await october(real_redis)

    for _ in range(3):  # both processes look, several times, at the same moment
        rounds = [p.services.reports.run_once() for p in (first, second) for _ in range(2)]
        await asyncio.gather(*rounds)
    (report,) = reports(slack)

    clock.now = at(2, hour=12)
    await asyncio.gather(first.services.reports.run_once(), second.services.reports.run_once())
    clock.now = at(15)
    await asyncio.gather(first.services.reports.run_once(), second.services.reports.run_once())
    assert len(reports(slack)) == 1, "once for October, whoever looks and whenever"

    clock.now = at(1, month=12)
    await asyncio.gather(first.services.reports.run_once(), second.services.reports.run_once())
    assert len(reports(slack)) == 2, "November's, on the first of December"
    assert "November 2026" in reports(slack)[-1].text
    assert report.answer["ts"]


async def test_the_report_says_what_the_month_cost_and_changed_and_brings_the_chart(
    make_bot: BotFactory, redis: Redis, slack: SlackStub
) -> None:
    (bot,) = await replicas(make_bot, redis, Clock(at(1, hour=6)), count=1)
    await october(redis)
    assert await bot.services.reports.run_once() == [TEAM]

    (report,) = reports(slack)
    shown = json.dumps(report.blocks, ensure_ascii=False)
    assert "numberbot monthly report: October 2026" in shown
    assert "6.20 USD" in shown, "4.00 USD + 1.70 GBP (2.20 USD at 0.85 GBP = 1.10 USD), in the team currency"
    assert "vonage: 4.00 USD" in shown
    assert "sandbox: 2.20 USD" in shown
    assert "*Numbers added*\\n2" in shown, "bought and adopted in October, not the failed one, nor September's"
    assert "+14155550101" in shown
    assert "+442079460001" in shown
    assert "*Numbers released*\\n1" in shown
    assert "+14155550100" in shown
    assert "+15550000002" not in shown, "released in November"
    assert "Idle now (no forwarding)*\\n2 · 11.00 USD/month" in shown
    idle = shown[shown.index("Idle numbers: candidates for release") :]
    assert idle.index("+14155550102") < idle.index("+14155550101"), "the most expensive idle number first"
    assert "2026-10 6.20" in shown, "the six months' figures"
    assert await redis.get(keys.report(TEAM, "2026-10")) == f"sent:{report.answer['ts']}"

    (chart,) = slack.api_calls("files.completeUploadExternal")
    assert (chart.data["channel_id"], chart.data["thread_ts"]) == (REPORTS, report.answer["ts"])
    (file_id,) = [f["id"] for f in json.loads(chart.data["files"])]
    assert slack.files[file_id]["content"].startswith(b"\x89PNG")


async def test_a_report_slack_refuses_is_tried_again_later(
    make_bot: BotFactory, redis: Redis, slack: SlackStub
) -> None:
    (bot,) = await replicas(make_bot, redis, Clock(at(1)), count=1)
    await october(redis)
    slack.failures["chat.postMessage"] = "not_in_channel"
    assert await bot.services.reports.run_once() == []
    del slack.failures["chat.postMessage"]
    assert await bot.services.reports.run_once() == [], "not at once: the next try waits"
    assert 0 < await redis.pttl(keys.report(TEAM, "2026-10")) <= 30 * 60 * 1000
    await redis.delete(keys.report(TEAM, "2026-10"))  # half an hour later
    assert await bot.services.reports.run_once() == [TEAM]
    assert len(reports(slack)) == 1


async def test_no_report_channel_no_report(make_bot: BotFactory, redis: Redis, slack: SlackStub) -> None:
    bot = await make_bot(redis=redis)
    bot.services.reports.clock = Clock(at(1))
    await october(redis)
    assert await bot.services.reports.run_once() == []
    await bot.services.reports.run_forever()  # returns at once: nothing to do
    assert slack.api_calls("chat.postMessage") == []
