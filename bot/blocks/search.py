"""Search: the results (one section per offer, a Buy button carrying only an offer id) and the form."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import ids
from bot.blocks.common import (
    SANDBOX_NOTE,
    Block,
    button,
    context,
    features_text,
    header,
    provider_text,
    section,
    type_text,
)
from bot.models import NumberType, Offer, SearchQuery, format_costs
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


def offer_line(offer: Offer, simulated: frozenset[str] = frozenset()) -> str:
    return (
        f"*{national_format(offer.e164)}*  `{offer.e164}`\n"
        f"{provider_text(offer.provider, simulated)} · {type_text(offer.type)} · {features_text(offer.features)}\n"
        f"{format_costs(offer.monthly, offer.setup)}"
    )


def searching(outcome: Searching) -> Reply:
    return Reply(text=f"Searching {outcome.country} on {', '.join(outcome.providers)}…")


def search_results(outcome: SearchResults) -> Reply:
    """Replaces the "Searching…" acknowledgement."""
    query, offers, simulated = outcome.query, outcome.offers, outcome.simulated
    blocks: list[Block] = [header(_title(query))]
    for index, offer in enumerate(offers):
        blocks.append(section(offer_line(offer, simulated), button("Buy", ids.BUY, f"{outcome.search_id}:{index}")))
    if not offers:
        blocks.append(section("No numbers matched. Try another pattern, type or provider."))
    extra = list(outcome.notes)
    if any(o.provider in simulated for o in offers):
        extra.append(SANDBOX_NOTE)
    if extra:
        blocks.append(context(*extra))
    lines = [f"{o.e164} ({provider_text(o.provider, simulated)}) {format_costs(o.monthly, o.setup)}" for o in offers]
    text = f"{_title(query)}: {len(offers)} found" + ("\n" + "\n".join(lines) if lines else "")
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
