"""One team currency, through signed requests, with a fixed ECB rate table (1 EUR = 1.10 USD)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.budget import month_of
from bot.models import Money
from tests.fakes import FakeCarrier
from tests.rates import fixed_rates
from tests.slack import TEAM, BotUnderTest

SEARCH = "search US --provider fake --limit 5"


def euros(carrier: FakeCarrier, monthly: str, currency: str = "EUR") -> None:
    """The carrier sells one number at `monthly` in `currency`, with no setup cost."""
    offer = carrier.offer("+14155550123")
    carrier.catalog = [
        offer.model_copy(update={"monthly": Money(amount=Decimal(monthly), currency=currency), "setup": None})
    ]


@pytest.fixture
def carrier() -> FakeCarrier:
    return FakeCarrier()


@pytest.fixture
async def bot(make_bot, redis: Redis, carrier: FakeCarrier) -> BotUnderTest:
    return await make_bot(redis=redis, providers={"fake": carrier}, rates=fixed_rates())


def field(call: object, label: str) -> str:
    blocks = call.blocks  # type: ignore[attr-defined]
    texts = [f["text"] for b in blocks for f in b.get("fields", [])]
    return next(t for t in texts if t.startswith(f"*{label}*"))


async def test_a_euro_purchase_under_a_dollar_budget_is_a_direct_confirm_with_the_converted_figure(
    bot: BotUnderTest, carrier: FakeCarrier, redis: Redis
) -> None:
    euros(carrier, "1.17")
    assert "Budget updated" in (await bot.command("budget 100")).text

    ack = await bot.command(SEARCH)
    assert "1.17 EUR (≈ 1.29 USD)/month" in json.dumps(bot.last(ack.key).blocks, ensure_ascii=False)
    confirmation = await bot.press_buy(SEARCH, key="quote")
    assert bot.buttons(confirmation, ids.CONFIRM), "under the limit: a direct Confirm, no approval"
    assert field(confirmation, "Monthly").endswith("1.17 EUR (≈ 1.29 USD, ECB rate of 2026-10-30)")
    assert "0.00 USD → 1.29 USD of 100.00 USD budget" in field(confirmation, "This month's spend")

    await bot.click(ids.CONFIRM, bot.quote_id(confirmation), key="bought")
    assert "bought" in bot.last("bought").text
    (raw,) = (await redis.hgetall(keys.spend(TEAM, month_of()))).values()
    assert json.loads(raw)["charges"] == [["1.17", "EUR"]], "spend keeps its own currency"
    budget = await bot.command("budget")
    assert "spent 1.29 USD of 100.00 USD" in budget.text
    assert "fake 1.29 USD" in json.dumps(budget.json["blocks"], ensure_ascii=False)


async def test_the_budget_in_euros_makes_euros_the_team_currency(bot: BotUnderTest, carrier: FakeCarrier) -> None:
    assert "auto-approve 11.00 USD" in (await bot.command("budget --auto-approve 11")).text
    changed = await bot.command("budget 500 EUR")
    assert "budget 500.00 EUR" in changed.text
    assert "auto-approve 10.00 EUR" in changed.text, "the limit moved to the new currency at the ECB rate"
    assert "11.00 USD ≈ 10.00 EUR" in json.dumps(changed.json, ensure_ascii=False)
    euros(carrier, "9.99", "USD")  # 9.99 USD ≈ 9.08 EUR: under the 10 EUR limit
    confirmation = await bot.press_buy(SEARCH, key="quote")
    assert field(confirmation, "Monthly").endswith("9.99 USD (≈ 9.08 EUR, ECB rate of 2026-10-30)")
    assert bot.buttons(confirmation, ids.CONFIRM)


async def test_an_auto_approve_limit_in_another_currency_is_refused_with_the_reason(bot: BotUnderTest) -> None:
    refused = await bot.command("budget --auto-approve 20 GBP")
    assert "The auto-approve limit is in the team currency (USD)" in refused.text
    assert "auto-approve not set" in (await bot.command("budget")).text


async def test_a_cost_with_no_exchange_rate_needs_approval_and_says_why(
    bot: BotUnderTest, carrier: FakeCarrier
) -> None:
    euros(carrier, "1.00", "XAU")  # the ECB publishes no rate for gold
    await bot.command("budget 100")
    confirmation = await bot.press_buy(SEARCH, key="quote")
    assert not bot.buttons(confirmation, ids.CONFIRM)
    assert bot.buttons(confirmation, ids.REQUEST_APPROVAL)
    assert "there is no exchange rate for XAU, so the budget cannot be checked" in json.dumps(confirmation.blocks)
