"""Toll fraud: `/number forward` refuses destinations that bill the team per minute (or that are
nobody's line), and FORWARD_COUNTRIES limits the countries, before any provider is asked."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.providers.sandbox import SandboxProvider
from tests.conftest import BotFactory, make_settings
from tests.fakes import Recorder
from tests.handlers.conftest import pooled
from tests.handlers.test_commands import buy_sandbox_number
from tests.slack import TEAM, BotUnderTest


async def audited_forwards(redis: Redis) -> list[tuple[str, str]]:
    return [(f["outcome"], f["detail"]) for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "forward"]


@pytest.mark.parametrize(
    ("destination", "kind"),
    [
        ("+19002345678", "a premium-rate"),  # US 900
        ("+449012345678", "a premium-rate"),  # GB 09x
        ("+499001234567", "a premium-rate"),  # DE 0900
        ("+448712345678", "a premium-rate"),  # GB 0871 (service charge)
        ("+4918012345", "a shared-cost"),  # DE 0180
        ("+445512345678", "a universal access (UAN)"),  # GB 055
        ("+49177991234567", "a voicemail access"),  # DE mobile voicemail
        ("+447012345678", "a personal (follow-me)"),  # GB 070
        ("+447640123456", "a pager"),  # GB 076
        ("+881612345678", "a non-geographic"),  # satellite (Iridium)
    ],
)
async def test_a_non_subscriber_destination_is_refused_before_any_provider_call(
    bot: BotUnderTest, sandbox: Recorder, redis: Redis, destination: str, kind: str
) -> None:
    number = await pooled(redis)
    ack = await bot.command(f"forward {number} {destination}")
    line = bot.last(ack.key).text
    assert f"{destination} is {kind} number" in line, line
    assert "landline, mobile and toll-free" in line
    assert sandbox.count() == 0, "no provider was asked"
    assert await redis.hget(keys.forwards(TEAM), number) is None
    ((outcome, detail),) = await audited_forwards(redis)
    assert outcome == "refused"
    assert destination in detail


@pytest.mark.parametrize("destination", ["+447400123456", "+442079460123", "+18005550100", "+4915112345678"])
async def test_landline_mobile_and_toll_free_destinations_are_forwarded(
    bot: BotUnderTest, sandbox: Recorder, redis: Redis, destination: str
) -> None:
    number = await buy_sandbox_number(bot)
    ack = await bot.command(f"forward {number} {destination}")
    assert f"now forward to {destination}" in bot.last(ack.key).text
    assert sandbox.count("forward") == 1


async def test_forward_countries_limit_where_calls_may_go(make_bot: BotFactory, redis: Redis) -> None:
    sandbox = Recorder(SandboxProvider(redis))
    settings = make_settings(forward_countries=("GB", "DE"))
    bot = await make_bot(redis=redis, providers={"sandbox": sandbox}, settings=settings)
    number = await buy_sandbox_number(bot)
    ack = await bot.command(f"forward {number} +18762345678")  # Jamaica: a +1 number, not the US
    line = bot.last(ack.key).text
    assert "+18762345678 is a number in JM; destinations are limited to DE, GB (FORWARD_COUNTRIES)" in line
    assert sandbox.count("forward") == 0
    ack = await bot.command(f"forward {number} +4915112345678")
    assert "now forward to +4915112345678" in bot.last(ack.key).text
    assert [outcome for outcome, _ in await audited_forwards(redis)] == ["refused", "ok"]
    assert sandbox.count("forward") == 1
