"""Block Kit builders are pure functions: models in, blocks out, no Slack involved."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from bot.blocks import ids
from bot.blocks.admin import audit_view, budget_view
from bot.blocks.help import help_view
from bot.blocks.modal import search_modal
from bot.blocks.pool import PoolRow, pool_page, release_confirmation
from bot.blocks.purchase import confirm_label, confirmation
from bot.blocks.search import search_results
from bot.budget import BudgetSettings, MonthSpend
from bot.models import Feature, Money, NumberType, Offer, PoolEntry, Quote, Role, SearchQuery, utcnow
from bot.pool import PoolItem


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def offer(i: int = 0, monthly: Money | None = None, setup: Money | None = None, provider: str = "vonage") -> Offer:
    return Offer(
        provider=provider,
        e164=f"+1415555{i:04d}",
        country="US",
        type=NumberType.local,
        features=frozenset({Feature.voice}),
        monthly=monthly,
        setup=setup,
    )


def quote(o: Offer, reasons: tuple[str, ...] = ()) -> Quote:
    now = utcnow()
    return Quote(
        id="q1",
        team_id="T1",
        user_id="U1",
        offer=o,
        created_at=now,
        expires_at=now + timedelta(minutes=5),
        approval_reasons=reasons,
    )


def all_buttons(blocks: list[dict]) -> list[dict]:
    found = []
    for b in blocks:
        if b.get("accessory", {}).get("type") == "button":
            found.append(b["accessory"])
        found += [e for e in b.get("elements", []) if e.get("type") == "button"]
    return found


def test_unknown_cost_is_shown_as_unknown_never_zero() -> None:
    reply = search_results(SearchQuery(country="US"), [offer(monthly=None, setup=None)], [], "s1")
    text = json.dumps(reply.blocks)
    assert "unknown/month" in text
    assert "setup unknown" in text
    assert "0.00" not in text


def test_search_results_fit_slack_limits_and_buttons_carry_only_ids() -> None:
    offers = [offer(i, usd("1.00"), usd("0")) for i in range(20)]
    reply = search_results(SearchQuery(country="US", limit=20), offers, ["azure: no answer within 8 s"], "sid")
    assert len(reply.blocks) <= 50
    buttons = all_buttons(reply.blocks)
    assert [b["value"] for b in buttons] == [f"sid:{i}" for i in range(20)]
    assert {b["action_id"] for b in buttons} == {ids.BUY}
    assert "azure: no answer within 8 s" in json.dumps(reply.blocks[-1])


def test_sandbox_results_say_sandbox() -> None:
    reply = search_results(SearchQuery(country="GB"), [offer(provider="sandbox", monthly=usd("1"))], [], "s")
    assert "simulated" in json.dumps(reply.blocks)


def test_confirmation_button_names_the_cost() -> None:
    q = quote(offer(monthly=usd("1.25"), setup=usd("0.50")))
    assert confirm_label(q) == "Confirm purchase (1.25 USD/mo + 0.50 USD setup)"
    reply = confirmation(
        q,
        settings=BudgetSettings(budgets={"USD": usd("10")}),
        spend=MonthSpend(month="2026-11", totals={"USD": usd("3")}),
    )
    text = json.dumps(reply.blocks)
    assert "3.00 USD \\u2192 4.75 USD of 10.00 USD budget" in text
    assert [b["action_id"] for b in all_buttons(reply.blocks)] == [ids.CONFIRM, ids.CANCEL]
    assert all(b["value"] == "q1" for b in all_buttons(reply.blocks))


def test_confirmation_with_unknown_setup_says_so_on_the_button() -> None:
    assert "setup unknown" in confirm_label(quote(offer(monthly=usd("1"), setup=None)))


def test_confirmation_needing_approval_offers_request_approval_not_confirm() -> None:
    reply = confirmation(
        quote(offer(monthly=usd("9")), ("over the limit",)),
        settings=BudgetSettings(),
        spend=MonthSpend(month="2026-11"),
    )
    actions = [b["action_id"] for b in all_buttons(reply.blocks)]
    assert actions == [ids.REQUEST_APPROVAL, ids.CANCEL]
    assert "over the limit" in json.dumps(reply.blocks)


def rows(n: int) -> list[PoolRow]:
    now = utcnow()
    return [
        PoolRow(
            item=PoolItem(entry=PoolEntry(e164=f"+1415555{i:04d}", provider="vonage", bought_by="U1", bought_at=now)),
            live=None,
            known=True,
        )
        for i in range(n)
    ]


def test_pool_pages_stay_within_block_limits_with_navigation() -> None:
    page = pool_page(rows(25), page=1, provider=None, notes=[])
    assert len(page.blocks) <= 50
    nav = all_buttons(page.blocks)
    assert [json.loads(b["value"])["page"] for b in nav] == [0, 2]
    assert "Page 2 of 3" in json.dumps(page.blocks)


def test_pool_flags_numbers_gone_at_the_provider_but_not_unknown_ones() -> None:
    gone = pool_page(rows(1), page=0, provider=None, notes=[])
    assert "no longer on the vonage account" in json.dumps(gone.blocks)
    unknown = [PoolRow(item=r.item, live=None, known=False) for r in rows(1)]
    assert "no longer" not in json.dumps(pool_page(unknown, page=0, provider=None, notes=["vonage: down"]).blocks)


def test_release_confirmation_is_danger_styled_with_a_confirm_dialog() -> None:
    reply = release_confirmation("+14155550000", "vonage", "intent1", "Desk <1>")
    release, cancel = all_buttons(reply.blocks)
    assert release["style"] == "danger"
    assert release["confirm"]["style"] == "danger"
    assert release["value"] == "intent1"
    assert cancel["action_id"] == ids.RELEASE_CANCEL
    assert "Desk &lt;1&gt;" in json.dumps(reply.blocks)


def test_help_depends_on_role() -> None:
    assert "grant" not in help_view(Role.viewer, ["U1"]).text
    assert "grant" in help_view(Role.admin, ["U1"]).text
    assert "no role yet" in help_view(None, ["U1"]).text


def test_budget_view_keeps_currencies_apart() -> None:
    reply = budget_view(
        BudgetSettings(budgets={"USD": usd("100")}),
        MonthSpend(
            month="2026-11", totals={"USD": usd("5"), "EUR": Money(amount=Decimal("3"), currency="EUR")}, unknown=1
        ),
    )
    text = json.dumps(reply.blocks)
    assert "5.00 USD of 100.00 USD" in text
    assert "3.00 EUR (no budget)" in text
    assert "unknown cost" in text


def test_audit_view_handles_no_entries() -> None:
    assert audit_view([]).text == "The audit log is empty."


def test_search_modal_lists_providers() -> None:
    view = search_modal(["sandbox", "vonage"], "C1")
    assert view["callback_id"] == ids.SEARCH_MODAL
    assert json.loads(view["private_metadata"]) == {"channel": "C1"}
    provider_block = next(b for b in view["blocks"] if b["block_id"] == ids.PROVIDER)
    assert [o["value"] for o in provider_block["element"]["options"]] == [ids.ALL_PROVIDERS, "sandbox", "vonage"]
