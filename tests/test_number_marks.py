"""One purchase per number at a time, per provider account, on a real redis-server.

Two quotes for one number used to send two buy requests; the provider refused the second,
but since the account owned the number afterwards both buyers were told "bought" and two
spends were recorded. Now the number is marked on its account before a buy is sent.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.budget import month_of
from tests.conftest import make_settings
from tests.fakes import FakeCarrier
from tests.handlers.test_commands import grant
from tests.slack import ADMIN, TEAM, BotUnderTest

pytestmark = pytest.mark.redis_server

BUYER, OTHER, REQUESTER = "U0BUYER", "U0OTHER", "U0REQUESTER"
SEARCH = "search US --provider fake --limit 1"
OTHER_TEAM = "T0OTHER"


@pytest.fixture
def carrier() -> FakeCarrier:
    carrier = FakeCarrier()
    carrier.buy_delay = 0.5  # slow enough for the second buyer to arrive while the first is at the provider
    return carrier


async def buyers(bot: BotUnderTest, *users: str) -> None:
    for user in users:
        await grant(bot, user, "buyer")


async def confirm_button(bot: BotUnderTest, user: str) -> str:
    confirmation = await bot.press_buy(SEARCH, user=user, key=f"quote-{user}-{bot.team}")
    return str(bot.buttons(confirmation, ids.CONFIRM)[0]["value"])


async def spends(redis: Redis, team: str = TEAM) -> int:
    return await redis.hlen(keys.spend(team, month_of()))


async def two_buyers_one_number(bot_a: BotUnderTest, bot_b: BotUnderTest, carrier: FakeCarrier) -> list[str]:
    first = await confirm_button(bot_a, BUYER)
    second = await confirm_button(bot_b, OTHER)
    await asyncio.gather(
        bot_a.click(ids.CONFIRM, first, user=BUYER, key="a", settle=False),
        bot_b.click(ids.CONFIRM, second, user=OTHER, key="b", settle=False),
    )
    await bot_a.settle()
    await bot_b.settle()
    return [bot_a.last("a").text, bot_b.last("b").text]


async def test_two_buyers_of_one_number_send_one_buy_request(make_bot, real_redis: Redis, carrier) -> None:
    bot = await make_bot(redis=real_redis, providers={"fake": carrier})
    await buyers(bot, BUYER, OTHER)
    texts = await two_buyers_one_number(bot, bot, carrier)

    assert carrier.requests["buy"] == 1
    assert sum("✅ bought" in t for t in texts) == 1
    taken = next(t for t in texts if "✅ bought" not in t)
    assert "already being bought by <@" in taken
    assert "nothing was bought" in taken
    assert await spends(real_redis) == 1
    entry = json.loads(await real_redis.hget(keys.pool(TEAM), carrier.offer().e164))
    assert entry["bought_by"] in (BUYER, OTHER)
    assert f"<@{entry['bought_by']}>" in next(t for t in texts if "✅ bought" in t)
    assert await real_redis.hlen(keys.holds(TEAM)) == 0, "the refused purchase gave its reservation back"


async def test_two_teams_on_one_provider_account_send_one_buy_request(
    make_bot, real_redis: Redis, carrier: FakeCarrier
) -> None:
    one = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="team-one")
    two = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="team-two")
    two.team = OTHER_TEAM
    await buyers(one, BUYER)
    await buyers(two, OTHER)
    texts = await two_buyers_one_number(one, two, carrier)

    assert carrier.requests["buy"] == 1
    assert sum("✅ bought" in t for t in texts) == 1
    assert sum("already being bought" in t for t in texts) == 1
    assert await spends(real_redis, TEAM) + await spends(real_redis, OTHER_TEAM) == 1


async def test_a_number_another_team_bought_is_already_bought_and_not_bought_again(
    make_bot, real_redis: Redis, carrier: FakeCarrier
) -> None:
    carrier.buy_delay = 0
    one = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="team-one")
    two = await make_bot(redis=real_redis, providers={"fake": carrier}, worker="team-two")
    two.team = OTHER_TEAM
    await one.click(ids.CONFIRM, await confirm_button(one, ADMIN), key="first")
    assert "✅ bought" in one.last("first").text

    await two.click(ids.CONFIRM, await confirm_button(two, ADMIN), key="second")
    assert "already bought by <@U0ADMIN>" in two.last("second").text
    assert carrier.requests["buy"] == 1, "no buy request for a number the account already has"
    assert await spends(real_redis, OTHER_TEAM) == 0

    # Released by its team, the number may be bought again.
    release = await one.command(f"release {carrier.offer().e164}")
    intent = next(e["value"] for b in release.json["blocks"] if b["type"] == "actions" for e in b["elements"])
    await one.click(ids.RELEASE, intent, key="release")
    assert "Released" in one.last("release").text
    await two.click(ids.CONFIRM, await confirm_button(two, ADMIN), key="third")
    assert "✅ bought" in two.last("third").text
    assert carrier.requests["buy"] == 2


async def test_an_approval_and_a_fresh_quote_for_one_number_buy_once(
    make_bot, real_redis: Redis, carrier: FakeCarrier
) -> None:
    bot = await make_bot(
        redis=real_redis, providers={"fake": carrier}, settings=make_settings(approvals_channel="C0APPROVALS")
    )
    await buyers(bot, BUYER)
    await grant(bot, REQUESTER, "requester")
    confirmation = await bot.press_buy(SEARCH, user=REQUESTER, key="requested")
    (request,) = bot.buttons(confirmation, ids.REQUEST_APPROVAL)
    await bot.click(ids.REQUEST_APPROVAL, request["value"], user=REQUESTER, key="requested")
    direct = await confirm_button(bot, BUYER)

    await asyncio.gather(
        bot.click(ids.APPROVE, request["value"], key="approval", settle=False),
        bot.click(ids.CONFIRM, direct, user=BUYER, key="direct", settle=False),
    )
    await bot.settle()

    assert carrier.requests["buy"] == 1
    outcomes = [bot.last("approval").text, bot.last("direct").text]
    assert sum("bought" in t and "nothing was bought" not in t for t in outcomes) == 1
    assert sum("already being bought" in t for t in outcomes) == 1
    assert await spends(real_redis) == 1
