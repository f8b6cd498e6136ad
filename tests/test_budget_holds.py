"""Budget holds on a real redis-server: the claim reserves the cost against the month's budget.

Spend used to be counted only when a purchase finished, so two purchases confirmed together
(or one confirmed while another was still at the provider) both fit a budget that had room
for one. Every test here has a slow provider, so the purchases really overlap.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.budget import BudgetStore, Spend, month_of
from bot.journal import BudgetHold
from bot.models import Operation, Quote, new_id, utcnow
from bot.purchases import QuoteStore
from tests.conftest import make_settings
from tests.fakes import FakeCarrier
from tests.handlers.test_commands import grant
from tests.slack import TEAM, BotUnderTest

pytestmark = pytest.mark.redis_server

BUYER, OTHER = "U0BUYER", "U0OTHER"
SEARCH = "search US --provider fake --limit 2"


@pytest.fixture
def carrier() -> FakeCarrier:
    """Two numbers at 2.00/month + 1.00 setup: each purchase spends 3.00 USD."""
    carrier = FakeCarrier()
    carrier.catalog = [carrier.offer("+14155550123"), carrier.offer("+14155550124")]
    carrier.buy_delay = 0.5
    return carrier


@pytest.fixture
async def bot(make_bot, real_redis: Redis, carrier: FakeCarrier) -> BotUnderTest:
    settings = make_settings(approvals_channel="C0APPROVALS")
    bot = await make_bot(redis=real_redis, providers={"fake": carrier}, settings=settings)
    for user in (BUYER, OTHER):
        await grant(bot, user, "buyer")
    assert "budget 4.00 USD" in (await bot.command("budget 4")).text
    return bot


async def confirm_button(bot: BotUnderTest, user: str, index: int) -> str:
    confirmation = await bot.press_buy(SEARCH, user=user, key=f"quote-{user}", index=index)
    (confirm,) = bot.buttons(confirmation, ids.CONFIRM)  # 3.00 fits the 4.00 budget on its own
    return str(confirm["value"])


def usd_hold(bot: BotUnderTest) -> BudgetHold:
    """What a 3.00 USD purchase holds, as the purchase service builds it."""
    rates = bot.services.budget.rates
    entry = json.dumps({"provider": "fake", "charges": [["3.00", "USD"]]})
    return BudgetHold(entry=entry, month=month_of(), currency="USD", factors=rates.factors("USD"))


async def until_held(redis: Redis) -> None:
    """Wait until a purchase in flight holds its cost (the provider is still working on it)."""
    for _ in range(200):
        if await redis.hlen(keys.holds(TEAM)):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no purchase ever held its cost")


async def spent(redis: Redis) -> list[list[list[str]]]:
    return [json.loads(v) for v in (await redis.hgetall(keys.spend(TEAM, month_of()))).values()]


class ReadTogether:
    """The budget store, but each read waits until `parties` reads are in: both clicks then pass
    the pre-check before either claims, the interleaving that lets a bare check-then-write overspend."""

    def __init__(self, store: BudgetStore, parties: int) -> None:
        self.store = store
        self.waiting = parties
        self.barrier = asyncio.Barrier(parties)

    async def read(self, team_id: str) -> Spend:
        spend = await self.store.read(team_id)
        if self.waiting > 0:  # only the first reads meet; later ones (the refused click's re-read) pass
            self.waiting -= 1
            async with asyncio.timeout(5):
                await self.barrier.wait()
        return spend

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


async def test_two_purchases_confirmed_together_fit_the_budget_only_once(
    bot: BotUnderTest, real_redis: Redis, carrier: FakeCarrier
) -> None:
    first, second = await confirm_button(bot, BUYER, 0), await confirm_button(bot, OTHER, 1)
    purchases = bot.services.purchases
    purchases.budget = ReadTogether(purchases.budget, parties=2)  # type: ignore[assignment]
    await asyncio.gather(
        bot.click(ids.CONFIRM, first, user=BUYER, key="a", settle=False),
        bot.click(ids.CONFIRM, second, user=OTHER, key="b", settle=False),
    )
    await bot.settle()

    texts = [bot.last("a").text, bot.last("b").text]
    assert carrier.requests["buy"] == 1
    assert sum("bought" in t for t in texts) == 1
    refused = next(bot.last(k) for k in ("a", "b") if "bought" not in bot.last(k).text)
    assert "Approval needed" in refused.text
    assert bot.buttons(refused, ids.REQUEST_APPROVAL), "the other buyer is offered Request approval"
    assert await spent(real_redis) == [{"provider": "fake", "charges": [["2.00", "USD"], ["1.00", "USD"]]}]
    assert await real_redis.hlen(keys.holds(TEAM)) == 0


async def test_a_click_while_another_purchase_is_in_flight_needs_approval(
    bot: BotUnderTest, real_redis: Redis, carrier: FakeCarrier
) -> None:
    first, second = await confirm_button(bot, BUYER, 0), await confirm_button(bot, OTHER, 1)
    await bot.click(ids.CONFIRM, first, user=BUYER, key="a", settle=False)
    await until_held(real_redis)  # the first purchase holds its 3.00 while the provider works

    await bot.click(ids.CONFIRM, second, user=OTHER, key="b")
    assert "bought" in bot.last("a").text
    assert "Approval needed" in bot.last("b").text
    assert "held by purchases in flight" in json.dumps(bot.last("b").blocks)
    assert carrier.requests["buy"] == 1


async def test_the_budget_shows_what_purchases_in_flight_reserve(bot: BotUnderTest, real_redis: Redis) -> None:
    first = await confirm_button(bot, BUYER, 0)
    await bot.click(ids.CONFIRM, first, user=BUYER, key="a", settle=False)
    await until_held(real_redis)
    during = await bot.command("budget")
    assert "reserved 3.00 USD by 1 purchase(s) in flight" in during.text
    await bot.settle()
    after = await bot.command("budget")
    assert "reserved nothing" in after.text
    assert "3.00 USD of 4.00 USD" in after.text


async def test_a_failed_purchase_gives_its_reservation_back(
    bot: BotUnderTest, real_redis: Redis, carrier: FakeCarrier
) -> None:
    carrier.buy_mode = "refuse"
    await bot.click(ids.CONFIRM, await confirm_button(bot, BUYER, 0), user=BUYER, key="a")
    assert "did not go through" in bot.last("a").text
    assert await real_redis.hlen(keys.holds(TEAM)) == 0
    assert await spent(real_redis) == []

    carrier.buy_mode = "ok"  # the 3.00 it held is free again: another purchase fits
    await bot.click(ids.CONFIRM, await confirm_button(bot, OTHER, 1), user=OTHER, key="b")
    assert "bought" in bot.last("b").text


async def test_an_approved_purchase_holds_its_cost_too(
    bot: BotUnderTest, real_redis: Redis, carrier: FakeCarrier
) -> None:
    """An approver accepts going over; the hold still counts for purchases confirmed meanwhile."""
    await bot.click(ids.CONFIRM, await confirm_button(bot, BUYER, 0), user=BUYER, key="a")
    assert "bought" in bot.last("a").text  # 3.00 of 4.00 spent
    confirmation = await bot.press_buy(SEARCH, user=OTHER, key="quote", index=1)
    (request,) = bot.buttons(confirmation, ids.REQUEST_APPROVAL)
    await bot.click(ids.REQUEST_APPROVAL, request["value"], user=OTHER, key="request")
    await bot.click(ids.APPROVE, request["value"], key="approval")  # the admin approves
    assert "bought" in bot.last("approval").text
    assert await real_redis.hlen(keys.holds(TEAM)) == 0
    assert len(await spent(real_redis)) == 2


async def test_a_purchase_resolved_after_a_crash_turns_its_hold_into_spend_or_gives_it_back(
    bot: BotUnderTest, real_redis: Redis, carrier: FakeCarrier
) -> None:
    journal = bot.services.journal
    ops = []
    for e164 in ("+14155550123", "+14155550124"):
        now = utcnow()
        quote = Quote(
            id=new_id(),
            team_id=TEAM,
            user_id=BUYER,
            offer=carrier.offer(e164),
            created_at=now,
            expires_at=now.replace(year=now.year + 1),
        )
        await QuoteStore(real_redis).save(quote, 300)
        op = Operation(
            id=quote.id,
            kind="purchase",
            team_id=TEAM,
            user_id=BUYER,
            e164=e164,
            provider="fake",
            quote=quote,
            started_at=now.replace(year=now.year - 1),  # past the grace period
            mark_first=True,
        )
        hold = usd_hold(bot)
        raw = await real_redis.get(keys.quote(TEAM, quote.id))
        claimed = await journal.claim(
            op,
            source_key=keys.quote(TEAM, quote.id),
            expected=raw,
            guard_key=keys.pool(TEAM),
            guard="pooled",
            hold=hold,
        )
        assert claimed == "ok" or (claimed == "over_budget" and e164.endswith("4"))
        ops.append((op, claimed))
    # One purchase fits (the second was refused by the hold of the first); its process died after
    # marking the number and sending the buy, which the provider did.
    (op, _), (_, second) = ops
    assert second == "over_budget"
    assert await bot.services.purchases.marks.acquire(carrier.account, op) is None
    await journal.checkpoint(op, {"marked": True})
    carrier._own(op.e164)
    await real_redis.delete(keys.lease(TEAM, op.id))

    assert await bot.services.reconciler.run_once() == 1
    assert carrier.requests["buy"] == 0, "resolved by asking, never by buying again"
    assert await real_redis.hlen(keys.holds(TEAM)) == 0
    assert await spent(real_redis) == [{"provider": "fake", "charges": [["2.00", "USD"], ["1.00", "USD"]]}]


async def test_a_crash_before_the_number_was_marked_ends_the_purchase_without_asking_the_provider(
    bot: BotUnderTest, real_redis: Redis, carrier: FakeCarrier
) -> None:
    quote_id = await confirm_button(bot, BUYER, 0)
    quote = Quote.model_validate_json(await real_redis.get(keys.quote(TEAM, quote_id)))
    op = Operation(
        id=quote.id,
        kind="purchase",
        team_id=TEAM,
        user_id=BUYER,
        e164=quote.offer.e164,
        provider="fake",
        quote=quote,
        started_at=utcnow(),
        mark_first=True,
    )
    raw = await real_redis.get(keys.quote(TEAM, quote.id))
    hold = usd_hold(bot)
    claim = await bot.services.journal.claim(
        op, source_key=keys.quote(TEAM, quote.id), expected=raw, guard_key=keys.pool(TEAM), guard="pooled", hold=hold
    )
    assert claim == "ok"
    await real_redis.delete(keys.lease(TEAM, op.id))  # the process died right after the claim

    assert await bot.services.reconciler.run_once() == 1
    assert carrier.requests["buy"] == 0
    assert carrier.requests["get"] == 0, "no buy was sent, so there is nothing to ask"
    assert await real_redis.hget(keys.op(TEAM, op.id), "status") == "failed"
    assert await real_redis.hlen(keys.holds(TEAM)) == 0
