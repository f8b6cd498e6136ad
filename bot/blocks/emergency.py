"""`e911` and `cnam` answers, and the E911 / caller-ID lines of `list` and `info`."""

from __future__ import annotations

from bot.blocks.common import Block, context, escape, fields, provider_text, section
from bot.models import CallerName, E911Status, Feature, NumberType, OwnedNumber
from bot.outcomes import CallerIdAnswer, EmergencyAnswer, PoolRow
from bot.phone import country_of
from bot.replies import Reply

__all__ = ["caller_id_answer", "e911_answer", "e911_line", "number_lines"]

NORTH_AMERICA = ("US", "CA")
_PENDING = "waiting for the provider's approval; the bot attaches it once approved"
_SANDBOX = "Sandbox numbers are simulated: no real emergency address or caller-ID name is registered."


def needs_e911(live: OwnedNumber) -> bool:
    """A US or Canadian voice number that can be called from: it should have an E911 address.
    Toll-free numbers take none (emergency calls go out with a geographic number)."""
    return (
        country_of(live.e164) in NORTH_AMERICA
        and Feature.voice in live.features
        and live.type is not NumberType.tollfree
    )


def _e911_text(status: E911Status) -> str:
    where = escape(status.address) if status.address else "registered"
    return where + (f" ({escape(status.state)})" if status.state else "")


def e911_line(row: PoolRow) -> str | None:
    """The E911 line of a pool row: the address, or a warning when a number that needs one has none."""
    live = row.live
    if live is None or live.e911 is None:
        return None  # the provider does not say (or has no E911 the bot manages)
    if live.e911.registered:
        return f"E911: {_e911_text(live.e911)}"
    return "⚠️ *no E911 address*: emergency calls from it carry no location" if needs_e911(live) else None


def _cnam_text(status: CallerName) -> str:
    if not status.name:
        text = "none"
    elif status.state == "pending":
        text = f"{escape(status.name)} ({_PENDING})"
    elif status.state == "rejected":
        text = f"{escape(status.name)} (rejected: {escape(status.reason or 'no reason given')})"
    else:
        text = escape(status.name)
    if status.inbound_lookup is not None:
        text += f" · inbound caller-name lookup {'on' if status.inbound_lookup else 'off'}"
    return text


def number_lines(live: OwnedNumber | None) -> list[Block]:
    """`info`: a section with the E911 address and the caller-ID name, where the provider has them."""
    if live is None or country_of(live.e164) not in NORTH_AMERICA:
        return []  # E911 and CNAM exist for US and Canadian numbers only
    pairs = []
    if live.e911 is not None and (live.e911.registered or needs_e911(live)):
        pairs.append(("E911 address", _e911_text(live.e911) if live.e911.registered else "⚠️ none"))
    if live.cnam is not None:
        pairs.append(("Caller ID name (CNAM)", _cnam_text(live.cnam)))
    return [fields(pairs)] if pairs else []


def _reply(text: str, provider: str, simulated: frozenset[str]) -> Reply:
    blocks: list[Block] = [section(text)]
    if provider in simulated:
        blocks.append(context(_SANDBOX))
    return Reply(text=text, blocks=blocks)


def e911_answer(outcome: EmergencyAnswer) -> Reply:
    e164, status, where = outcome.e164, outcome.status, provider_text(outcome.provider, outcome.simulated)
    if outcome.change == "removed":
        text = f"{e164} no longer has an E911 address at {where}."
    elif outcome.change == "set":
        text = f"🚨 {e164} now has the E911 address {_e911_text(status)}, validated by {where}."
    elif status.registered:
        text = f"🚨 E911 address of {e164} at {where}: {_e911_text(status)}"
    else:
        text = (
            f"⚠️ {e164} has no E911 address at {where}: emergency calls from it carry no location. "
            f"Set one with `/number e911 {e164} <street>, <city>, <state> <zip>`."
        )
    return _reply(text, outcome.provider, outcome.simulated)


def caller_id_answer(outcome: CallerIdAnswer) -> Reply:
    e164, status, where = outcome.e164, outcome.status, provider_text(outcome.provider, outcome.simulated)
    name = escape(status.name or "")
    if outcome.change == "lookup":
        text = f"Inbound caller-name lookup on {e164} is now {'on' if status.inbound_lookup else 'off'} at {where}."
    elif outcome.change == "removed":
        text = f"{e164} no longer has a caller-ID name at {where}."
    elif outcome.change == "set" and status.state == "pending":
        text = f"⏳ Caller-ID name {name} for {e164} is {_PENDING} (`/number info {e164}` shows how it goes)."
    elif outcome.change == "set" and status.state == "rejected":
        text = f"❌ {where} rejected the caller-ID name {name} for {e164}: {escape(status.reason or 'no reason given')}"
    elif outcome.change == "set":
        text = f"📇 Calls from {e164} now show the caller-ID name {name} (set at {where})."
    else:
        text = f"📇 Caller-ID name of {e164} at {where}: {_cnam_text(status)}"
    if outcome.lookup and outcome.change != "lookup" and status.inbound_lookup is None:
        text += f" (`/number cnam {e164} lookup on|off` switches inbound caller-name lookup)"
    return _reply(text, outcome.provider, outcome.simulated)
