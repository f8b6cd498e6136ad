"""`/number sms <NUMBER> <DESTINATION> <text…>`: a test SMS from a pool number, destinations
checked like forward destinations before any provider is asked, audited without the text."""

from __future__ import annotations

import phonenumbers
import pytest
from redis.asyncio import Redis

from bot import keys
from tests.conftest import BotFactory, make_settings
from tests.fakes import FakeCarrier, Recorder
from tests.handlers.conftest import pooled
from tests.handlers.test_commands import buy_sandbox_number
from tests.slack import TEAM, BotUnderTest

DESTINATION = "+447400123456"


async def audited(redis: Redis) -> list[dict[str, str]]:
    return [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "sms"]


async def test_a_test_sms_is_sent_and_audited_without_its_text(
    bot: BotUnderTest, sandbox: Recorder, redis: Redis
) -> None:
    number = await buy_sandbox_number(bot)
    ack = await bot.command(f"sms {number} {DESTINATION} Hello &amp; welcome,\n  <@U0ADMIN|admin>  ")
    reply = bot.last(ack.key).text
    assert reply.startswith(f"✉️ Sent a test SMS from {number} to {DESTINATION} via sandbox")
    assert "(sandbox: simulated, nothing was sent): 25 characters · message id `sandbox-" in reply
    ((_, args),) = [c for c in sandbox.calls if c[0] == "send_sms"]
    assert args == (number, DESTINATION, "Hello & welcome,\n  @admin"), "what the user typed, Slack's escaping undone"
    (entry,) = await audited(redis)
    assert entry["outcome"] == "ok"
    assert entry["detail"].startswith(f"to {DESTINATION}, 25 characters, message id sandbox-")
    assert "welcome" not in str(entry)


@pytest.mark.parametrize(
    "destination",
    [
        phonenumbers.format_number(
            phonenumbers.example_number_for_type("GB", phonenumbers.PhoneNumberType.PREMIUM_RATE),
            phonenumbers.PhoneNumberFormat.E164,
        ),
        "+19002345678",
        "+881612345678",
    ],
)
async def test_a_premium_or_special_destination_is_refused_before_any_provider_call(
    bot: BotUnderTest, sandbox: Recorder, redis: Redis, destination: str
) -> None:
    number = await pooled(redis)
    ack = await bot.command(f"sms {number} {destination} win a prize")
    assert f"{destination} is a " in bot.last(ack.key).text
    assert sandbox.count() == 0
    (entry,) = await audited(redis)
    assert (entry["outcome"], entry["detail"].split(":")[0]) == ("refused", f"to {destination}")
    assert "prize" not in str(entry)


async def test_forward_countries_limit_sms_destinations_too(
    make_bot: BotFactory, redis: Redis, sandbox: Recorder
) -> None:
    bot = await make_bot(redis=redis, providers={"sandbox": sandbox}, settings=make_settings(forward_countries="IE"))
    number = await pooled(redis)
    ack = await bot.command(f"sms {number} {DESTINATION} hello")
    assert "destinations are limited to IE (FORWARD_COUNTRIES)" in bot.last(ack.key).text
    assert sandbox.count() == 0


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("sms +442079460123 +447400123456", "Give a number, a destination and the text"),
        ("sms +442079460123 +4474 hello", "'+4474' is not a valid destination number"),
        ("sms nonsense +447400123456 hello", "'nonsense' is not a phone number"),
        ("sms +447400123456 +447400123456 hello", "A number cannot text itself"),
        ("sms +442079460123 +447400123456 " + "x" * 641, "A test SMS is at most 640 characters"),
    ],
)
async def test_bad_input_gets_the_usage_line_and_no_provider_call(
    bot: BotUnderTest, sandbox: Recorder, text: str, why: str
) -> None:
    ack = await bot.command(text)
    assert ack.text.startswith(why), ack.text
    assert "Usage: /number sms &lt;NUMBER&gt; &lt;DESTINATION&gt; &lt;text…&gt;" in ack.text
    assert sandbox.count() == 0


async def test_a_viewer_cannot_send(bot: BotUnderTest, sandbox: Recorder, redis: Redis) -> None:
    number = await pooled(redis)
    await bot.command("grant <@U0VIEW> viewer")
    ack = await bot.command(f"sms {number} {DESTINATION} hi", user="U0VIEW")
    assert "needs the buyer role" in ack.text
    assert sandbox.count() == 0


async def test_a_provider_without_sms_says_so_in_one_line(make_bot: BotFactory, redis: Redis) -> None:
    carrier = FakeCarrier()
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    number = await pooled(redis, "+14155550123", provider="fake")
    ack = await bot.command(f"sms {number} {DESTINATION} hi")
    assert bot.last(ack.key).text == "FakeCarrier: the bot cannot route or send SMS for FakeCarrier numbers"


async def test_the_team_sends_a_bounded_number_of_test_sms_an_hour(
    bot: BotUnderTest, sandbox: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.sms.SENT_PER_HOUR", 2)
    number = await buy_sandbox_number(bot)
    lines = [bot.last((await bot.command(f"sms {number} {DESTINATION} n{i}")).key).text for i in range(3)]
    assert [line.startswith("✉️ Sent") for line in lines] == [True, True, False]
    assert lines[2] == "The team has sent 2 test SMS this hour; try again next hour."
    assert sandbox.count("send_sms") == 2
