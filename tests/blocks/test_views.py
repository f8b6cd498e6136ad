"""Block Kit builders are pure functions: outcomes in, blocks out, no Slack involved."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from bot import outcomes
from bot.blocks import MESSAGES, VIEWS, ids, render, render_view
from bot.blocks.purchase import confirm_label
from bot.models import (
    BudgetSettings,
    Entry,
    Feature,
    Money,
    MonthSpend,
    NumberType,
    Offer,
    PoolEntry,
    PoolItem,
    Quote,
    Role,
    SearchQuery,
    Spend,
    utcnow,
)
from bot.outcomes import (
    AuditLatest,
    BudgetStatus,
    Help,
    PoolPage,
    PoolRow,
    Quoted,
    ReleasePrompt,
    Requoted,
    SearchForm,
    SearchResults,
)
from bot.replies import Reply, slack_args
from tests.rates import FIXED

SANDBOX = frozenset({"sandbox"})


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


def results(offers: list[Offer], notes: tuple[str, ...] = (), *, limit: int = 10, country: str = "US") -> Reply:
    query = SearchQuery(country=country, limit=limit)
    return render(SearchResults(query=query, offers=tuple(offers), notes=notes, search_id="sid", simulated=SANDBOX))


def spend(settings: BudgetSettings | None = None, month: MonthSpend | None = None) -> Spend:
    return Spend(
        settings=settings or BudgetSettings(currency="USD"), month=month or MonthSpend(month="2026-11"), rates=FIXED
    )


def test_every_outcome_has_exactly_one_renderer() -> None:
    kinds = {
        v
        for v in vars(outcomes).values()
        if isinstance(v, type) and issubclass(v, outcomes.Outcome) and v is not outcomes.Outcome
    }
    assert kinds == set(MESSAGES) | set(VIEWS)
    assert not set(MESSAGES) & set(VIEWS)


def test_slack_args_alone_turn_the_renderers_choice_into_replace_original() -> None:
    reply = Reply(text="x", blocks=[{"type": "divider"}], replace_original=True)
    assert slack_args(reply, "respond") == {
        "text": "x",
        "blocks": [{"type": "divider"}],
        "response_type": "ephemeral",
        "replace_original": True,
    }
    assert "replace_original" not in slack_args(reply, "ack")
    assert slack_args(reply, "api") == {"text": "x", "blocks": [{"type": "divider"}]}


def test_a_quote_is_a_new_message_and_a_requote_replaces_the_confirmation() -> None:
    q = quote(offer(monthly=usd("1")))
    assert render(Quoted(quote=q, spend=spend())).replace_original is False
    assert render(Requoted(quote=q, spend=spend())).replace_original is True


def test_unknown_cost_is_shown_as_unknown_never_zero() -> None:
    reply = results([offer(monthly=None, setup=None)])
    text = json.dumps(reply.blocks)
    assert "unknown/month" in text
    assert "setup unknown" in text
    assert "0.00" not in text


def test_search_results_fit_slack_limits_and_buttons_carry_only_ids() -> None:
    offers = [offer(i, usd("1.00"), usd("0")) for i in range(20)]
    reply = results(offers, ("azure: no answer within 8 s",), limit=20)
    assert len(reply.blocks) <= 50
    buttons = all_buttons(reply.blocks)
    assert [b["value"] for b in buttons] == [f"sid:{i}" for i in range(20)]
    assert {b["action_id"] for b in buttons} == {ids.BUY}
    assert "azure: no answer within 8 s" in json.dumps(reply.blocks[-1])


def test_sandbox_results_say_sandbox() -> None:
    reply = results([offer(provider="sandbox", monthly=usd("1"))], country="GB")
    assert "simulated" in json.dumps(reply.blocks)


def test_confirmation_button_names_the_cost() -> None:
    q = quote(offer(monthly=usd("1.25"), setup=usd("0.50")))
    assert confirm_label(q) == "Confirm purchase (1.25 USD/mo + 0.50 USD setup)"
    reply = render(
        Quoted(
            quote=q,
            spend=spend(
                BudgetSettings(currency="USD", budget=usd("10")),
                MonthSpend(month="2026-11", spent=(Entry(provider="vonage", charges=(usd("3"),)),)),
            ),
        )
    )
    text = json.dumps(reply.blocks)
    assert "3.00 USD \\u2192 4.75 USD of 10.00 USD budget" in text
    assert [b["action_id"] for b in all_buttons(reply.blocks)] == [ids.CONFIRM, ids.CANCEL]
    assert all(b["value"] == "q1" for b in all_buttons(reply.blocks))


def test_confirmation_with_unknown_setup_says_so_on_the_button() -> None:
    assert "setup unknown" in confirm_label(quote(offer(monthly=usd("1"), setup=None)))


def test_confirmation_needing_approval_offers_request_approval_not_confirm() -> None:
    reply = render(Quoted(quote=quote(offer(monthly=usd("9")), ("over the limit",)), spend=spend()))
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
    page = render(PoolPage(rows=tuple(rows(10)), page=1, total=25))
    assert len(page.blocks) <= 50
    nav = all_buttons(page.blocks)
    assert [json.loads(b["value"])["page"] for b in nav] == [0, 2]
    assert "Page 2 of 3" in json.dumps(page.blocks)


def test_pool_flags_numbers_gone_at_the_provider_but_not_unknown_ones() -> None:
    gone = render(PoolPage(rows=tuple(rows(1)), page=0, total=1))
    assert "no longer on the vonage account" in json.dumps(gone.blocks)
    unknown = tuple(PoolRow(item=r.item, live=None, known=False) for r in rows(1))
    assert "no longer" not in json.dumps(
        render(PoolPage(rows=unknown, page=0, total=1, notes=("vonage: down",))).blocks
    )


def test_a_turned_page_replaces_the_listing_and_a_new_listing_does_not() -> None:
    assert render(PoolPage(rows=tuple(rows(2)), page=1, total=12, turned=True)).replace_original is True
    assert render(PoolPage(rows=tuple(rows(10)), page=0, total=12)).replace_original is False


def test_release_confirmation_is_danger_styled_with_a_confirm_dialog() -> None:
    reply = render(ReleasePrompt(e164="+14155550000", provider="vonage", intent_id="intent1", name="Desk <1>"))
    release, cancel = all_buttons(reply.blocks)
    assert release["style"] == "danger"
    assert release["confirm"]["style"] == "danger"
    assert release["value"] == "intent1"
    assert cancel["action_id"] == ids.RELEASE_CANCEL
    assert "Desk &lt;1&gt;" in json.dumps(reply.blocks)


def test_help_depends_on_role() -> None:
    from bot.access import usable_commands

    def text(role: Role | None) -> str:
        return render(Help(role=role, usable=usable_commands(role), admins=("U1",))).text

    assert "grant" not in text(Role.viewer)
    assert "grant" in text(Role.admin)
    assert "no role yet" in text(None)
    assert "search" not in text(None)


def test_budget_view_totals_in_the_team_currency_per_provider_with_the_rate_date() -> None:
    eur = Money(amount=Decimal("3"), currency="EUR")
    month = MonthSpend(
        month="2026-11",
        spent=(
            Entry(provider="vonage", charges=(eur,)),
            Entry(provider="azure", charges=(usd("5"),)),
            Entry(provider="kazoo"),
        ),
        held=(Entry(provider="azure", charges=(usd("1.50"),)),),
    )
    settings = BudgetSettings(currency="USD", budget=usd("100"))
    reply = render(BudgetStatus(spend=spend(settings, month), details=True))
    text = json.dumps(reply.blocks)
    assert "8.30 USD of 100.00 USD" in text  # 5 USD + 3 EUR (3.30 USD)
    assert "azure 5.00 USD · kazoo unknown · vonage 3.30 USD" in reply.blocks[1]["fields"][0]["text"]
    assert "1.50 USD by 1 purchase(s) in flight" in text
    assert "1 purchase(s) of unknown cost" in text
    assert "ECB rate of 2026-10-30" in text
    assert "Spent in original currencies: 3.00 EUR, 5.00 USD" in text


def test_audit_view_handles_no_entries() -> None:
    assert render(AuditLatest(entries=())).text == "The audit log is empty."


def test_search_modal_lists_providers() -> None:
    view = render_view(SearchForm(providers=("sandbox", "vonage"), channel_id="C1"))
    assert view["callback_id"] == ids.SEARCH_MODAL
    assert json.loads(view["private_metadata"]) == {"channel": "C1"}
    provider_block = next(b for b in view["blocks"] if b["block_id"] == ids.PROVIDER)
    assert [o["value"] for o in provider_block["element"]["options"]] == [ids.ALL_PROVIDERS, "sandbox", "vonage"]
