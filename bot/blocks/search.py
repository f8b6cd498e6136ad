"""Search results: one section per offer with a Buy button carrying only an offer id."""

from __future__ import annotations

from bot.blocks import ids
from bot.blocks.common import (
    SANDBOX,
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
from bot.models import Offer, SearchQuery, format_costs
from bot.phone import national_format
from bot.replies import Reply

__all__ = ["offer_line", "search_results", "searching"]


def _title(query: SearchQuery) -> str:
    parts = [f"Numbers in {query.country}"]
    if query.pattern:
        parts.append(f"starting {query.pattern}")
    if query.type:
        parts.append(query.type.value)
    if query.features:
        parts.append("with " + features_text(query.features))
    return " · ".join(parts)


def offer_line(offer: Offer) -> str:
    return (
        f"*{national_format(offer.e164)}*  `{offer.e164}`\n"
        f"{provider_text(offer.provider)} · {type_text(offer.type)} · {features_text(offer.features)}\n"
        f"{format_costs(offer.monthly, offer.setup)}"
    )


def searching(query: SearchQuery, providers: list[str]) -> Reply:
    return Reply(text=f"Searching {query.country} on {', '.join(providers)}…")


def search_results(query: SearchQuery, offers: list[Offer], notes: list[str], search_id: str) -> Reply:
    blocks: list[Block] = [header(_title(query))]
    for index, offer in enumerate(offers):
        blocks.append(section(offer_line(offer), button("Buy", ids.BUY, f"{search_id}:{index}")))
    if not offers:
        blocks.append(section("No numbers matched. Try another pattern, type or provider."))
    extra = list(notes)
    if any(o.provider == SANDBOX for o in offers):
        extra.append(SANDBOX_NOTE)
    if extra:
        blocks.append(context(*extra))
    lines = [f"{o.e164} ({provider_text(o.provider)}) {format_costs(o.monthly, o.setup)}" for o in offers]
    text = f"{_title(query)}: {len(offers)} found" + ("\n" + "\n".join(lines) if lines else "")
    if notes:
        text += "\n" + "\n".join(notes)
    return Reply(text=text, blocks=blocks, replace_original=True)
