"""`/number e911` and `/number cnam` through signed requests, on the sandbox: what is checked
before any provider is asked, the simulated carrier's answers, `list`/`info`, and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.models import utcnow
from bot.providers.sandbox import SandboxProvider
from tests.conftest import BotFactory
from tests.fakes import FakeCarrier, Recorder
from tests.handlers.conftest import pooled
from tests.handlers.said import audited, reply, said
from tests.handlers.test_commands import buy_sandbox_number, grant
from tests.slack import TEAM, BotUnderTest

ADDRESS = "1182 3rd Ave Suite 600, Seattle, WA 98101"
VIEWER = "U0VIEWER"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("e911 +12065550123 Main St, Seattle, WA 98101", "is not a street with its number first"),
        ("e911 +12065550123 1 Main St, Seattle, ZZ 98101", "is not a US state or Canadian province"),
        ("cnam +12065550123 THIS NAME IS TOO LONG", "at most 15 characters"),
        ("cnam +12065550123 <!here>", "may use letters, digits"),
    ],
)
async def test_bad_input_gets_the_usage_line_and_no_provider_call(
    bot: BotUnderTest, sandbox: Recorder, redis: Redis, text: str, why: str
) -> None:
    await pooled(redis, "+12065550123")
    ack = await bot.command(text)
    assert why in ack.text
    assert "Usage: /number" in ack.text
    assert "<!here>" not in ack.text
    assert bot.replies(ack.key) == []
    assert sandbox.count() == 0
    assert await audited(redis, "e911") == await audited(redis, "cnam") == []


async def test_only_admins_manage_emergency_addresses_and_names(
    bot: BotUnderTest, sandbox: Recorder, redis: Redis
) -> None:
    await pooled(redis, "+12065550123")
    await grant(bot, VIEWER, "buyer")
    for text in (f"e911 +12065550123 {ADDRESS}", "e911 +12065550123", "cnam +12065550123 ACME"):
        ack = await bot.command(text, user=VIEWER)
        assert "needs the admin role; yours is buyer" in ack.text
    assert sandbox.count() == 0


async def test_numbers_outside_the_pool_or_north_america_are_refused_without_a_provider_call(
    bot: BotUnderTest, sandbox: Recorder, redis: Redis
) -> None:
    assert "+12065550199 is not in the pool" in await reply(bot, f"e911 +12065550199 {ADDRESS}")
    uk = await pooled(redis, "+442079460123")
    assert f"E911 exists for US and Canadian numbers only; {uk} is not one" in await reply(bot, f"e911 {uk}")
    assert "Caller-ID name (CNAM) exists for US and Canadian numbers only" in await reply(bot, f"cnam {uk} ACME")
    assert sandbox.count() == 0


async def test_a_provider_without_e911_or_cnam_says_so_in_one_line(
    make_bot: BotFactory, redis: Redis, sandbox: Recorder
) -> None:
    fake = FakeCarrier()  # the protocol's defaults: no E911, no CNAM, no balance
    bot = await make_bot(redis=redis, providers={"sandbox": sandbox, "fake": fake})
    number = await pooled(redis, "+12065550123", provider="fake")
    expected = {
        f"e911 {number} {ADDRESS}": "FakeCarrier: FakeCarrier has no emergency (E911) addresses the bot can manage; "
        "register the address in FakeCarrier's portal",
        f"cnam {number} ACME": "FakeCarrier: FakeCarrier has no caller-ID name (CNAM) the bot can set",
        f"cnam {number} lookup on": "FakeCarrier has no inbound caller-name lookup the bot can switch",
    }
    for text, line in expected.items():
        answer = await reply(bot, text)
        assert line in answer
        assert "\n" not in answer
    assert sum(fake.requests.values()) == 0


async def test_the_sandbox_refuses_an_address_it_cannot_place_then_sets_shows_and_removes_one(
    bot: BotUnderTest, sandbox: Recorder, redis: Redis
) -> None:
    number = await buy_sandbox_number(bot, "US")
    listed = await reply(bot, "list")
    assert "⚠️ *no E911 address*" in listed, "a US voice number without E911 is flagged"

    refused = await reply(bot, f"e911 {number} 1182 3rd Ave, Seattle, WA 10001")
    assert "the address could not be found: 10001 is not a postal code of WA" in refused
    assert "⚠️ *no E911 address*" in await reply(bot, "list"), "nothing was set"

    answer = await reply(bot, f"e911 {number} {ADDRESS}")
    assert f"{number} now has the E911 address {ADDRESS} (simulated), validated by sandbox (simulated)" in answer
    assert f"E911 address of {number} at sandbox (simulated): {ADDRESS}" in await reply(bot, f"e911 {number}")
    assert f"E911: {ADDRESS}" in await reply(bot, "list")
    assert f"*E911 address*\n{ADDRESS} (simulated)" in await bot_info(bot, number)

    assert f"{number} no longer has an E911 address" in await reply(bot, f"e911 {number} off")
    assert f"{number} has no E911 address at sandbox" in await reply(bot, f"e911 {number}")
    assert "*E911 address*\n⚠️ none" in await bot_info(bot, number)
    assert await audited(redis, "e911") == [
        ("refused", "set to 1182 3rd Ave, Seattle, WA 10001: sandbox: the address could not be found: 10001 is not "
                    "a postal code of WA (simulated)"),
        ("ok", f"set to {ADDRESS}"),
        ("ok", "removed"),
    ]  # fmt: skip
    assert [name for name, _ in sandbox.calls if "e911" in name] == [
        "set_e911",
        "set_e911",
        "e911",
        "clear_e911",
        "e911",
        "e911",
    ]


async def bot_info(bot: BotUnderTest, number: str) -> str:
    ack = await bot.command(f"info {number}")
    return said(bot.last(ack.key))


@pytest.fixture
def clock() -> list[object]:
    return [utcnow()]


@pytest.fixture
async def reviewed_bot(make_bot: BotFactory, redis: Redis, clock: list[object]) -> BotUnderTest:
    """The sandbox reviews a caller-ID name for 20 simulated seconds."""
    sandbox = SandboxProvider(redis, clock=lambda: clock[0], cnam_review_seconds=20)  # type: ignore[arg-type,return-value]
    return await make_bot(redis=redis, providers={"sandbox": sandbox})


async def test_a_caller_id_name_waits_for_approval_and_is_attached_once_approved(
    reviewed_bot: BotUnderTest, redis: Redis, clock: list[object]
) -> None:
    bot = reviewed_bot
    number = await buy_sandbox_number(bot, "US")
    answer = await reply(bot, f"cnam {number} Acme &amp; Co")
    assert "Caller-ID name Acme &amp; Co for" in answer, "the name is escaped where Slack shows it"
    assert "waiting for the provider's approval" in answer
    assert await redis.hget(keys.cnam_requests(TEAM), number)
    assert "Acme &amp; Co (waiting for the provider's approval" in await bot_info(bot, number)

    clock[0] += timedelta(seconds=21)  # type: ignore[operator]
    assert "*Caller ID name (CNAM)*\nAcme &amp; Co · inbound caller-name lookup off" in await bot_info(bot, number)
    assert await redis.hget(keys.cnam_requests(TEAM), number) is None
    assert "Acme &amp; Co · inbound caller-name lookup off" in await reply(bot, f"cnam {number}")

    assert "lookup on" in await reply(bot, f"cnam {number} lookup on")
    assert "Acme &amp; Co · inbound caller-name lookup on" in await reply(bot, f"cnam {number}")
    rejected = await reply(bot, f"cnam {number} Seattle Police")
    assert "rejected the caller-ID name Seattle Police" in rejected
    assert f"{number} no longer has a caller-ID name" in await reply(bot, f"cnam {number} off")
    assert await audited(redis, "cnam") == [
        ("ok", "set to Acme & Co (awaiting the provider's approval)"),
        ("ok", "Acme & Co attached once the provider approved it"),
        ("ok", "inbound lookup on"),
        ("rejected", "set to Seattle Police: names that pass for an authority (POLICE) are refused"),
        ("ok", "removed"),
    ]


async def test_releasing_a_sandbox_number_drops_its_address_and_name(bot: BotUnderTest, redis: Redis) -> None:
    number = await buy_sandbox_number(bot, "US")
    await reply(bot, f"e911 {number} {ADDRESS}")
    await reply(bot, f"cnam {number} lookup on")
    await SandboxProvider(redis).release(number, progress=None)  # type: ignore[arg-type]
    assert await redis.hget(keys.sandbox_e911(), number) is None
    assert await redis.hget(keys.sandbox_cnam(), number) is None
