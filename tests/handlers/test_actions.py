"""Buttons through signed interactivity payloads: Buy, Confirm, Cancel, Release."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.budget import month_of
from bot.models import Money, Quote
from tests.fakes import FakeCarrier, Recorder
from tests.handlers.test_commands import buy_sandbox_number, grant
from tests.slack import ADMIN, TEAM, BotUnderTest

BUYER = "U0BUYER"
REQUESTER = "U0REQUESTER"
VIEWER = "U0VIEWER"


async def quote_for(bot: BotUnderTest, user: str = ADMIN, country: str = "US") -> tuple[str, dict]:
    """Search and press Buy; returns the quote id and the confirmation payload."""
    ack = await bot.command(f"search {country} --limit 1", user=user)
    buy = bot.buttons(bot.last(ack.key), ids.BUY)[0]
    await bot.click(ids.BUY, buy["value"], user=user, key=f"results-{user}")
    confirmation = bot.last(f"results-{user}")
    assert confirmation.data["replace_original"] is False, "the confirmation is a new message"
    quote_id = (bot.buttons(confirmation, ids.CONFIRM) or bot.buttons(confirmation, ids.REQUEST_APPROVAL))[0]["value"]
    return quote_id, confirmation.data


async def test_buy_shows_a_priced_confirmation_backed_by_a_stored_quote(bot: BotUnderTest, redis: Redis) -> None:
    quote_id, confirmation = await quote_for(bot)
    stored = Quote.model_validate_json(await redis.get(keys.quote(TEAM, quote_id)))
    assert stored.user_id == ADMIN
    assert stored.offer.monthly is not None
    blocks = json.dumps(confirmation["blocks"])
    assert stored.offer.e164 in blocks
    assert "This month's spend" in blocks
    assert "Quote expires" in blocks
    confirm = next(b for b in confirmation["blocks"] if b["type"] == "actions")["elements"][0]
    assert confirm["text"]["text"] == f"Confirm purchase ({stored.offer.monthly.display()}/mo)"
    assert confirm["value"] == quote_id
    ttl = await redis.ttl(keys.quote(TEAM, quote_id))
    assert 290 <= ttl <= 300


async def test_confirm_buys_records_pool_spend_and_audit(bot: BotUnderTest, redis: Redis, sandbox: Recorder) -> None:
    quote_id, _ = await quote_for(bot)
    quote = Quote.model_validate_json(await redis.get(keys.quote(TEAM, quote_id)))
    ack = await bot.click(ids.CONFIRM, quote_id, key="confirmation")
    assert ack.status == 200
    first, final = bot.replies("confirmation")
    assert "buying" in first.text
    assert final.data["replace_original"] is True
    assert "bought" in final.text
    assert "sandbox" in final.text
    assert sandbox.count("buy") == 1
    pool = await redis.hgetall(keys.pool(TEAM))
    assert json.loads(pool[quote.offer.e164])["bought_by"] == ADMIN
    spend = await redis.hgetall(keys.spend(TEAM, month_of()))
    assert spend == {
        quote_id: json.dumps(
            {
                "provider": "sandbox",
                "charges": [[str(quote.offer.monthly.amount), "USD"], [str(quote.offer.setup.amount), "USD"]],
            }
        )
    }
    (entry,) = await redis.xrevrange(keys.audit(TEAM), count=1)
    assert entry[1]["action"] == "buy"
    assert entry[1]["outcome"] == "bought"
    assert entry[1]["number"] == quote.offer.e164
    assert await redis.exists(keys.quote(TEAM, quote_id)) == 0


async def test_a_second_click_on_a_used_quote_buys_nothing(bot: BotUnderTest, sandbox: Recorder) -> None:
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, key="first")
    await bot.click(ids.CONFIRM, quote_id, key="second")
    assert "already used" in bot.last("second").text
    assert sandbox.count("buy") == 1


async def test_an_expired_quote_buys_nothing(bot: BotUnderTest, redis: Redis, sandbox: Recorder) -> None:
    quote_id, _ = await quote_for(bot)
    await redis.delete(keys.quote(TEAM, quote_id))  # what the TTL does
    await bot.click(ids.CONFIRM, quote_id, key="late")
    assert "expired" in bot.last("late").text
    assert sandbox.count("buy") == 0


async def test_only_the_requester_can_confirm_their_quote(bot: BotUnderTest, sandbox: Recorder) -> None:
    await grant(bot, BUYER, "buyer")
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, user=BUYER, key="other")
    assert f"Only <@{ADMIN}>" in bot.last("other").text
    assert sandbox.count("buy") == 0


async def test_role_is_rechecked_at_click_time(bot: BotUnderTest, sandbox: Recorder) -> None:
    await grant(bot, BUYER, "buyer")
    quote_id, _ = await quote_for(bot, user=BUYER)
    await bot.command(f"revoke <@{BUYER}>")
    ack = await bot.click(ids.CONFIRM, quote_id, user=BUYER, key="revoked")
    assert ack.status == 200, "a refusal still acknowledges"
    assert ack.body == ""
    assert "no numberbot role" in bot.last("revoked").text
    assert sandbox.count("buy") == 0


async def test_a_buyer_demoted_to_viewer_cannot_confirm(bot: BotUnderTest, sandbox: Recorder) -> None:
    await grant(bot, BUYER, "buyer")
    quote_id, _ = await quote_for(bot, user=BUYER)
    await grant(bot, BUYER, "viewer")
    await bot.click(ids.CONFIRM, quote_id, user=BUYER, key="demoted")
    assert "Confirming a purchase needs the requester role; yours is viewer" in bot.last("demoted").text
    assert sandbox.count("buy") == 0


async def test_a_second_quote_for_a_number_bought_meanwhile_buys_nothing(
    bot: BotUnderTest, redis: Redis, sandbox: Recorder
) -> None:
    ack = await bot.command("search US --limit 1")
    (buy,) = bot.buttons(bot.last(ack.key), ids.BUY)
    await bot.click(ids.BUY, buy["value"], key="first-quote")
    await bot.click(ids.BUY, buy["value"], key="second-quote")
    first, second = (bot.quote_id(bot.last(k)) for k in ("first-quote", "second-quote"))
    assert first != second, "two quotes for one number"
    await bot.click(ids.CONFIRM, first, key="first")
    await bot.click(ids.CONFIRM, second, key="second")
    assert "bought" in bot.last("first").text
    assert "already in the pool" in bot.last("second").text
    assert sandbox.count("buy") == 1
    assert await redis.hlen(keys.pool(TEAM)) == 1
    assert len(await redis.hgetall(keys.spend(TEAM, month_of()))) == 1, "spent once"


async def test_viewer_cannot_press_buy(bot: BotUnderTest, sandbox: Recorder) -> None:
    await grant(bot, VIEWER, "viewer")
    ack = await bot.command("search GB --limit 1", user=VIEWER)
    buy = bot.buttons(bot.last(ack.key), ids.BUY)[0]
    await bot.click(ids.BUY, buy["value"], user=VIEWER, key="viewer-buy")
    assert "needs the requester role" in bot.last("viewer-buy").text
    assert sandbox.count("buy") == 0


async def test_a_forged_buy_value_is_not_trusted(bot: BotUnderTest, sandbox: Recorder) -> None:
    await bot.click(ids.BUY, "+442079460123:0", key="forged")
    assert "expired" in bot.last("forged").text
    await bot.click(ids.CONFIRM, "notaquote", key="forged2")
    assert "expired" in bot.last("forged2").text
    await bot.click(ids.CONFIRM, "{T0OTHER}:quote:x", key="forged3")
    assert "not valid" in bot.last("forged3").text
    assert sandbox.count("buy") == 0


async def test_requester_sees_that_approval_is_needed(bot: BotUnderTest, sandbox: Recorder) -> None:
    await grant(bot, REQUESTER, "requester")
    quote_id, confirmation = await quote_for(bot, user=REQUESTER)
    blocks = json.dumps(confirmation["blocks"])
    assert "Approval needed" in blocks
    assert "requesters need an approver" in blocks
    assert ids.CONFIRM not in blocks
    await bot.click(ids.CONFIRM, quote_id, user=REQUESTER, key="sneaky")
    assert sandbox.count("buy") == 0


async def test_cost_above_the_auto_approve_limit_needs_approval(bot: BotUnderTest, sandbox: Recorder) -> None:
    await bot.command("budget --auto-approve 0.10 USD")
    quote_id, confirmation = await quote_for(bot, country="US")
    assert "above the auto-approve limit of 0.10 USD" in json.dumps(confirmation["blocks"])
    await bot.click(ids.CONFIRM, quote_id, key="over")
    assert sandbox.count("buy") == 0


async def test_a_budget_lowered_after_the_quote_is_checked_again_at_confirm(
    bot: BotUnderTest, sandbox: Recorder
) -> None:
    quote_id, _ = await quote_for(bot)
    await bot.command("budget 0.50 USD")
    await bot.click(ids.CONFIRM, quote_id, key="late-budget")
    assert "over the 0.50 USD budget" in json.dumps(bot.last("late-budget").blocks)
    assert sandbox.count("buy") == 0


async def test_cancel_drops_the_quote(bot: BotUnderTest, redis: Redis, sandbox: Recorder) -> None:
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CANCEL, quote_id, key="cancel")
    assert "Cancelled" in bot.last("cancel").text
    assert await redis.exists(keys.quote(TEAM, quote_id)) == 0
    await bot.click(ids.CONFIRM, quote_id, key="after-cancel")
    assert sandbox.count("buy") == 0


async def test_a_refused_purchase_is_reported_and_recorded(make_bot, redis: Redis) -> None:
    carrier = FakeCarrier()
    carrier.buy_mode = "refuse"
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, key="refused")
    assert "did not go through: FakeCarrier: insufficient credit" in bot.last("refused").text
    assert await redis.hlen(keys.pool(TEAM)) == 0
    assert await redis.exists(keys.spend(TEAM, month_of())) == 0
    (entry,) = await redis.xrevrange(keys.audit(TEAM), count=1)
    assert entry[1]["outcome"] == "failed"


async def test_a_lost_answer_is_resolved_by_asking_not_by_buying_again(make_bot, redis: Redis) -> None:
    carrier = FakeCarrier()
    carrier.buy_mode = "lost-after-buying"
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, key="lost")
    assert "bought" in bot.last("lost").text
    assert carrier.requests["buy"] == 1
    assert carrier.requests["get"] == 1
    assert await redis.hlen(keys.pool(TEAM)) == 1


async def test_a_lost_answer_for_a_purchase_that_did_not_happen_says_so(make_bot, redis: Redis) -> None:
    carrier = FakeCarrier()
    carrier.buy_mode = "lost-before-buying"
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    bot.services.purchases.sleep = sleep  # the grace period passes without waiting for it
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, key="lost")
    assert "did not go through" in bot.last("lost").text
    assert carrier.requests["buy"] == 1
    assert carrier.requests["get"] == 2, "asked again once the grace period passed"
    assert len(waited) == 1
    assert 9 < waited[0] <= 10, "the grace period is counted from the request"
    assert await redis.hlen(keys.pool(TEAM)) == 0


async def test_a_lost_answer_for_a_purchase_the_provider_completes_a_moment_later_is_bought(
    make_bot, redis: Redis
) -> None:
    carrier = FakeCarrier()
    carrier.buy_mode = "lost-completes-later"
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    bot.services.purchases.grace = timedelta(seconds=0.5)  # short enough for a test, longer than the 0.1 s
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, key="late")
    assert "bought" in bot.last("late").text
    assert carrier.requests["buy"] == 1
    assert await redis.hlen(keys.pool(TEAM)) == 1


async def test_an_unanswerable_purchase_stays_in_flight(make_bot, redis: Redis) -> None:
    carrier = FakeCarrier()
    carrier.buy_mode = "lost-after-buying"
    carrier.check_mode = "unknown"
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, key="unknown")
    assert "keeps checking" in bot.last("unknown").text
    assert await redis.zrange(keys.inflight(TEAM), 0, -1) == [quote_id]
    assert await redis.hget(keys.op(TEAM, quote_id), "status") == "inflight"


async def test_charges_are_shown_and_only_the_second_click_accepts_them(make_bot, redis: Redis) -> None:
    carrier = FakeCarrier()
    carrier.buy_mode = "charges"
    bot = await make_bot(redis=redis, providers={"fake": carrier})
    quote_id, _ = await quote_for(bot)
    await bot.click(ids.CONFIRM, quote_id, key="charges")
    second = bot.last("charges")
    assert "4.50 USD" in json.dumps(second.blocks)
    (confirm,) = bot.buttons(second, ids.CONFIRM)
    assert "4.50 USD charges" in confirm["text"]["text"]
    assert carrier.accepted == [None]
    assert await redis.hlen(keys.pool(TEAM)) == 0
    await bot.click(ids.CONFIRM, confirm["value"], key="charges2")
    await bot.click(ids.CONFIRM, confirm["value"], key="charges3")
    assert carrier.accepted == [None, carrier.charges]
    assert "bought" in bot.last("charges2").text
    spend = await redis.hgetall(keys.spend(TEAM, month_of()))
    assert json.loads(spend[confirm["value"]])["charges"] == [["2.00", "USD"], ["1.00", "USD"], ["4.50", "USD"]]


async def test_release_needs_the_danger_confirmation_then_leaves_the_pool(
    bot: BotUnderTest, redis: Redis, sandbox: Recorder
) -> None:
    number = await buy_sandbox_number(bot)
    ack = await bot.command(f"release {number}")
    prompt = ack.json
    button = next(
        e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ids.RELEASE
    )
    assert button["style"] == "danger"
    assert button["confirm"]["confirm"]["text"] == "Release"
    assert number not in button["value"]
    assert sandbox.count("release") == 0

    await bot.click(ids.RELEASE, button["value"], key="release")
    progress, final = bot.replies("release")
    assert "Releasing" in progress.text
    assert "Released" in final.text
    assert sandbox.count("release") == 1
    assert await redis.hexists(keys.pool(TEAM), number) == 0
    assert await redis.hexists(keys.sandbox_owned(), number) == 0
    await bot.click(ids.RELEASE, button["value"], key="again")
    assert "already used" in bot.last("again").text
    assert sandbox.count("release") == 1


async def test_release_is_for_admins_only(bot: BotUnderTest, sandbox: Recorder) -> None:
    await grant(bot, BUYER, "buyer")
    number = await buy_sandbox_number(bot)
    ack = await bot.command(f"release {number}", user=BUYER)
    assert "needs the admin role" in ack.text
    prompt = (await bot.command(f"release {number}")).json
    value = next(e["value"] for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"])
    await bot.click(ids.RELEASE, value, user=BUYER, key="buyer-release")
    assert "needs the admin role" in bot.last("buyer-release").text
    assert sandbox.count("release") == 0


async def test_spend_keeps_its_own_currencies_and_is_totalled_in_the_team_currency(
    bot: BotUnderTest, redis: Redis
) -> None:
    await buy_sandbox_number(bot, "GB")
    await buy_sandbox_number(bot, "US")
    stored = await redis.hgetall(keys.spend(TEAM, month_of()))
    charges = [c for raw in stored.values() for c in json.loads(raw)["charges"]]
    assert {currency for _, currency in charges} == {"GBP", "USD"}
    assert all(Decimal(a) >= 0 for a, _ in charges)
    total = bot.services.budget.rates.convert  # the same ECB rates the bot used
    expected = sum(
        (total(Money(amount=Decimal(a), currency=c), "USD").money.amount for a, c in charges),  # type: ignore[union-attr]
        Decimal(0),
    )
    ack = await bot.command("budget details")
    assert f"spent {expected.quantize(Decimal('0.01'))} USD" in ack.text
    assert "GBP" in ack.body, "the original amounts, on request"
