"""Search: the results (one section per offer, a Buy button carrying only an offer id) and the form."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import ids
from bot.blocks.common import (
    SANDBOX_NOTE,
    Block,
    actions,
    button,
    context,
    features_text,
    header,
    provider_text,
    section,
    type_text,
)
from bot.blocks.money import with_team_currency
from bot.models import NumberType, Offer, RateTable, SearchQuery, format_costs
from bot.outcomes import SearchForm, Searching, SearchResults
from bot.phone import national_format
from bot.replies import Reply

__all__ = ["offer_line", "search_form", "search_results", "searching"]


def _title(query: SearchQuery) -> str:
    parts = [f"Numbers in {query.country}"]
    if query.pattern:
        parts.append(f"starting {query.pattern}")
    if query.type:
        parts.append(query.type.value)
    if query.features:
        parts.append("with " + features_text(query.features))
    return " · ".join(parts)


def offer_line(offer: Offer, simulated: frozenset[str], currency: str, rates: RateTable | None) -> str:
    if rates is None:
        costs = format_costs(offer.monthly, offer.setup)
    else:
        monthly = with_team_currency(offer.monthly, currency, rates, dated=False)
        costs = f"{monthly}/month · setup {with_team_currency(offer.setup, currency, rates, dated=False)}"
    return (
        f"*{national_format(offer.e164)}*  `{offer.e164}`\n"
        f"{provider_text(offer.provider, simulated)} · {type_text(offer.type)} · {features_text(offer.features)}\n"
        f"{costs}"
    )


def _found(outcome: SearchResults) -> str:
    """`40 found: vonage 10, azure 10, …`"""
    each = ", ".join(f"{name} {count}" for name, count in outcome.counts.items())
    return f"{outcome.total} found" + (f": {each}" if len(outcome.counts) > 1 else "")


def searching(outcome: Searching) -> Reply:
    return Reply(text=f"Searching {outcome.country} on {', '.join(outcome.providers)}…")


def search_results(outcome: SearchResults) -> Reply:
    """A page of results; the first replaces the "Searching…" acknowledgement, the others the page before."""
    query, offers, simulated = outcome.query, outcome.offers, outcome.simulated
    blocks: list[Block] = [header(f"{_title(query)}: {_found(outcome)}"[:150])]
    for index, offer in enumerate(offers, start=outcome.first):
        line = offer_line(offer, simulated, outcome.currency, outcome.rates)
        blocks.append(section(line, button("Buy", ids.BUY, f"{outcome.search_id}:{index}")))
    if not offers:
        blocks.append(section("No numbers matched. Try another pattern, type or provider."))
    extra = list(outcome.notes)
    converted = outcome.rates is not None and any(
        m.currency != outcome.currency for o in offers for m in (o.monthly, o.setup) if m is not None
    )
    if converted and outcome.rates is not None:
        extra.append(f"≈ amounts in {outcome.currency} at the ECB rate of {outcome.rates.day.isoformat()}.")
    if any(o.provider in simulated for o in offers):
        extra.append(SANDBOX_NOTE)
    if outcome.pages > 1:
        extra.append(f"Page {outcome.page + 1} of {outcome.pages}")
    if extra:
        blocks.append(context(*extra))
    nav = []
    if outcome.page > 0:
        nav.append(button("◀ Previous", ids.SEARCH_PREVIOUS, f"{outcome.search_id}:{outcome.page - 1}"))
    if outcome.page < outcome.pages - 1:
        nav.append(button("Next ▶", ids.SEARCH_NEXT, f"{outcome.search_id}:{outcome.page + 1}"))
    if nav:
        blocks.append(actions(*nav, block_id=ids.SEARCH_NAV))
    lines = [f"{o.e164} ({provider_text(o.provider, simulated)}) {format_costs(o.monthly, o.setup)}" for o in offers]
    text = f"{_title(query)}: {_found(outcome)}" + ("\n" + "\n".join(lines) if lines else "")
    if outcome.notes:
        text += "\n" + "\n".join(outcome.notes)
    return Reply(text=text, blocks=blocks, replace_original=True)


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": block_id},
    }


def search_form(outcome: SearchForm) -> dict[str, Any]:
    """The modal a bare `/number` opens (a view, not a message)."""
    provider_options = [_option("All enabled providers", ids.ALL_PROVIDERS)] + [
        _option(p, p) for p in outcome.providers
    ]
    type_options = [_option("Any type", ids.ANY_TYPE)] + [_option(t.value, t.value) for t in NumberType]
    return {
        "type": "modal",
        "callback_id": ids.SEARCH_MODAL,
        "private_metadata": json.dumps({"channel": outcome.channel_id}),
        "title": {"type": "plain_text", "text": "Search numbers"},
        "submit": {"type": "plain_text", "text": "Search"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input(
                ids.COUNTRY,
                "Country (ISO code, e.g. GB)",
                {"type": "plain_text_input", "max_length": 2, "placeholder": {"type": "plain_text", "text": "GB"}},
            ),
            _input(
                ids.PATTERN,
                "Starts with (digits after the country code)",
                {"type": "plain_text_input", "max_length": 12},
                optional=True,
            ),
            _input(
                ids.PROVIDER,
                "Provider",
                {"type": "static_select", "options": provider_options, "initial_option": provider_options[0]},
                optional=True,
            ),
            _input(
                ids.TYPE,
                "Type",
                {"type": "static_select", "options": type_options, "initial_option": type_options[0]},
                optional=True,
            ),
        ],
    }
