"""The provider balance on the Buy confirmation, and buying over it only on purpose.

Vonage (Account API `GET /account/get-balance`, EUR) and Kazoo (`transactions/current_balance`,
or `ledgers/total` on Kazoo 5) mocked at their real paths; every step is a signed Slack request.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot.blocks import ids
from bot.console.slack_stub import Call
from bot.providers.kazoo import KazooProvider
from bot.providers.vonage import VonageProvider
from tests.conftest import BotFactory
from tests.handlers.conftest import pooled, provider_bot, routed
from tests.handlers.said import audited, reply, said
from tests.handlers.test_commands import grant
from tests.providers.contract import Account, Listing, london
from tests.providers.kazoo_wire import API_KEY as KAZOO_KEY
from tests.providers.kazoo_wire import BASE_URL as KAZOO_URL
from tests.providers.kazoo_wire import KazooWire, plan_charges
from tests.providers.vonage_wire import API_KEY, API_SECRET, BASE_URL, VonageWire
from tests.providers.vonage_wire import authorised as vonage_authorised
from tests.slack import BotUnderTest

SEARCH = "search GB 20 --provider vonage --limit 1"
OFFER = Listing(e164=london(123), monthly=Decimal("1.25"))


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, vonage_authorised)


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> VonageWire:
    wire = VonageWire(router, account)
    wire.mock_account()
    wire.mock_search([OFFER])
    wire.mock_buy()
    return wire


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis, wire: VonageWire) -> BotUnderTest:
    return await provider_bot(
        make_bot,
        redis,
        "vonage",
        VonageProvider,
        vonage_api_key=API_KEY,
        vonage_api_secret=API_SECRET,
        approvals_channel="C0APPROVALS",
    )


def balance_reads(router: respx.MockRouter) -> int:
    return sum(1 for c in router.calls if c.request.url.path == "/account/get-balance")


def buys(router: respx.MockRouter) -> int:
    return sum(1 for c in router.calls if c.request.url.path == "/number/buy")


async def test_the_confirmation_shows_the_balance_read_once_a_minute(
    bot: BotUnderTest, router: respx.MockRouter
) -> None:
    first = await bot.press_buy(SEARCH, key="first")
    second = await bot.press_buy(SEARCH, key="second")

    for confirmation in (first, second):
        assert "*vonage balance*\n42.00 EUR (as of" in said(confirmation)
        assert bot.buttons(confirmation, ids.CONFIRM)
        assert not bot.buttons(confirmation, ids.OVER_BALANCE)
    assert balance_reads(router) == 1, "the second Buy used the balance every process shares for a minute"


async def test_a_purchase_over_the_balance_needs_buy_anyway_recorded_in_the_quote(
    bot: BotUnderTest, router: respx.MockRouter, wire: VonageWire, account: Account, redis: Redis
) -> None:
    wire.balance = Decimal("1.00")
    confirmation = await bot.press_buy(SEARCH)

    text = said(confirmation)
    assert "⚠️ 1.00 EUR (as of" in text
    assert "less than the 1.25 EUR this purchase takes now" in text
    assert "*Over the vonage balance:* this purchase takes 1.25 EUR now and the account has 1.00 EUR" in text
    assert bot.buttons(confirmation, ids.CONFIRM) == [], "no Confirm before the buyer chose to go over"
    (anyway,) = bot.buttons(confirmation, ids.OVER_BALANCE)
    quote_id = anyway["value"]

    await bot.click(ids.CONFIRM, quote_id, key="forged")  # a Confirm click Slack never showed
    assert "Over the vonage balance" in said(bot.last("forged"))
    assert buys(router) == 0

    await bot.click(ids.OVER_BALANCE, quote_id, user="U0SOMEONE", key="other")
    assert buys(router) == 0

    await bot.press(confirmation, ids.OVER_BALANCE, key="anyway")
    chosen = bot.last("anyway")
    assert "<@U0ADMIN> chose to buy anyway" in said(chosen)
    assert buys(router) == 0, "choosing is not buying: Confirm still has to be clicked"

    await bot.press(chosen, ids.CONFIRM, key="bought")
    assert f"bought {OFFER.e164} from vonage" in bot.last("bought").text
    assert buys(router) == 1
    assert OFFER.e164 in account.owned
    assert [(o, d) for o, d in await audited(redis, "over balance")] == [
        ("ok", "vonage balance 1.00 EUR, chose to buy anyway")
    ]


async def test_only_the_buyer_may_choose_to_go_over(bot: BotUnderTest, wire: VonageWire) -> None:
    wire.balance = Decimal("0")
    await grant(bot, "U0BUYER", "buyer")
    confirmation = await bot.press_buy(SEARCH, user="U0BUYER")
    await bot.press(confirmation, ids.OVER_BALANCE, user="U0ADMIN", key="someone-else")
    assert "Only <@U0BUYER>, who asked for this quote, can buy it." in bot.last("someone-else").text


async def test_a_balance_that_cannot_be_read_is_not_shown_and_stops_nothing(
    bot: BotUnderTest, router: respx.MockRouter
) -> None:
    router.get("/account/get-balance").mock(return_value=httpx.Response(500))  # retried, then given up
    confirmation = await bot.press_buy(SEARCH)
    assert "balance" not in said(confirmation)
    assert bot.buttons(confirmation, ids.CONFIRM)


async def test_a_requester_over_the_balance_asks_an_approver_who_sees_it(bot: BotUnderTest, wire: VonageWire) -> None:
    wire.balance = Decimal("0.50")
    await grant(bot, "U0ASKER", "requester")
    confirmation = await bot.press_buy(SEARCH, user="U0ASKER")
    assert bot.buttons(confirmation, ids.OVER_BALANCE) == [], "approval comes first; the approver decides"
    await bot.press(confirmation, ids.REQUEST_APPROVAL, user="U0ASKER", key="asked")
    request = [c for c in bot.stub.calls if c.method == "chat.postMessage"][-1]
    assert "less than the 1.25 EUR this purchase takes now" in said(request)


# -- Kazoo: the balance is known, the cost only once Kazoo asks for charges ---------------


@pytest.fixture
def kazoo_router() -> Iterator[respx.MockRouter]:
    yield from routed(KAZOO_URL, lambda request: None)


@pytest.mark.parametrize("kazoo5", [False, True])
async def test_kazoo_charges_over_the_balance_are_flagged_before_they_are_accepted(
    make_bot: BotFactory, redis: Redis, kazoo_router: respx.MockRouter, kazoo5: bool
) -> None:
    wire = KazooWire(kazoo_router, Account())
    wire.mock_auth()
    wire.mock_account()
    wire.mock_search([Listing(e164="+14155550123", country="US")])
    wire.mock_buy()
    wire.charges = plan_charges(rate="2.00", activation="1.50")
    wire.balance, wire.kazoo5 = Decimal("3.00"), kazoo5
    bot = await provider_bot(make_bot, redis, "kazoo", KazooProvider, kazoo_base_url=KAZOO_URL, kazoo_api_key=KAZOO_KEY)
    confirmation = await bot.press_buy("search US 415 --provider kazoo --limit 1")
    assert "*kazoo balance*\n3.00 USD (as of" in said(confirmation), "no cost known yet: nothing flagged"
    await bot.press(confirmation, ids.CONFIRM, key="charges")

    text = said(bot.last("charges"))
    assert "Charges to accept" in text
    assert "less than the 3.50 USD this purchase takes now" in text
    assert bot_buttons(bot.last("charges")) == [ids.OVER_BALANCE, ids.CANCEL]
    paths = [c.request.url.path for c in kazoo_router.calls]
    assert sum("transactions/current_balance" in p for p in paths) == 1
    assert sum("ledgers/total" in p for p in paths) == (1 if kazoo5 else 0), "Kazoo 5 answers from its ledgers"


def bot_buttons(call: Call) -> list[str]:
    return [e["action_id"] for b in call.blocks if b["type"] == "actions" for e in b["elements"]]


async def test_vonage_has_no_e911_or_cnam_and_says_so_without_asking_it(
    bot: BotUnderTest, router: respx.MockRouter, redis: Redis
) -> None:
    number = await pooled(redis, "+12065550123", provider="vonage")
    before = len(router.calls)
    for text, line in (
        (f"e911 {number} 1182 3rd Ave, Seattle, WA 98101", "Vonage has no emergency (E911) addresses the bot can"),
        (f"e911 {number}", "Vonage has no emergency (E911) addresses the bot can manage"),
        (f"cnam {number} ACME", "Vonage has no caller-ID name (CNAM) the bot can set"),
    ):
        assert line in await reply(bot, text)
    assert len(router.calls) == before, "nothing was sent to Vonage"
