"""Phone number and country handling, all through `phonenumbers`."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from bot.errors import DestinationRefused

__all__ = [
    "allowed_destination",
    "calling_code",
    "country_of",
    "national_format",
    "normalise_country",
    "parse_destination",
    "parse_number",
    "to_e164",
]

# Numbers that are not somebody's line, or that charge the caller (here: the team) a premium.
_REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.UAN: "a universal access (UAN) number",
    PhoneNumberType.VOICEMAIL: "a voicemail access number",
    PhoneNumberType.PERSONAL_NUMBER: "a personal (follow-me) number",
    PhoneNumberType.PAGER: "a pager number",
    PhoneNumberType.UNKNOWN: "a number of unknown type",
}
_NON_GEOGRAPHIC = "001"  # +800, +808, +870, +881-883, +979: global services and satellite networks

_TEL_LINK = re.compile(r"^<tel:([^|>]+)(?:\|[^>]*)?>$")
_SEPARATORS = re.compile(r"[\s().\-]")


def normalise_country(raw: str) -> str | None:
    """An ISO 3166 alpha-2 code that has a numbering plan, upper-cased; None if not."""
    code = raw.strip().upper()
    if len(code) != 2 or not code.isalpha():
        return None
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def _clean(raw: str) -> str:
    raw = raw.strip()
    link = _TEL_LINK.match(raw)  # Slack may turn numbers into <tel:+44…|+44 …> links
    if link:
        raw = link.group(1)
    raw = _SEPARATORS.sub("", raw)
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    elif raw.isdigit():
        raw = "+" + raw  # bare digits are read as country code + number
    return raw


def _parse(raw: str) -> phonenumbers.PhoneNumber | None:
    text = _clean(raw)
    if not text.startswith("+") or not text[1:].isdigit():
        return None
    try:
        return phonenumbers.parse(text, None)
    except NumberParseException:
        return None


def parse_number(raw: str) -> str | None:
    """A number the account may own, as E.164; lenient (possible, not strictly valid)."""
    parsed = _parse(raw)
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def parse_destination(raw: str) -> str | None:
    """A forwarding destination, strictly valid, as E.164."""
    parsed = _parse(raw)
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def allowed_destination(raw: str, *, countries: Collection[str] = ()) -> str:
    """A destination the bot may send calls (or messages) to, as E.164, else DestinationRefused.

    Toll fraud: a forward to a premium-rate, shared-cost, UAN, voicemail, personal or pager
    number, or to a satellite / international-network number, is billed to the team per minute
    while nobody answers; phonenumbers' numbering plans say which type a number is.
    `countries` (FORWARD_COUNTRIES) limits the destination's country when not empty.
    """
    e164 = parse_destination(raw)
    if e164 is None:
        raise DestinationRefused("The destination is not a valid phone number in international format (+CC…).")
    parsed = phonenumbers.parse(e164, None)
    refused = _REFUSED_TYPES.get(phonenumbers.number_type(parsed))
    region = phonenumbers.region_code_for_number(parsed)
    if refused is None and region == _NON_GEOGRAPHIC:
        refused = "a non-geographic number (satellite or international network)"
    if refused is not None:
        raise DestinationRefused(
            f"{e164} is {refused}; the bot sends calls and messages only to landline, mobile and "
            "toll-free numbers (premium and special numbers cost the team per minute)."
        )
    if countries and region not in countries:
        allowed = ", ".join(sorted(countries))
        raise DestinationRefused(
            f"{e164} is a number in {region or 'an unknown country'}; destinations are limited to {allowed} "
            "(FORWARD_COUNTRIES)."
        )
    return e164


def to_e164(digits: str) -> str | None:
    """Provider digits (country code first, no +) → E.164, or None if not a number.

    Providers send E.164 digits; those of the right shape are taken as they are, since a full
    parse costs tens of microseconds per number and a search lists dozens. Anything else
    (separators, a leading 00) goes through phonenumbers.
    """
    bare = digits.removeprefix("+")
    if bare.isascii() and bare.isdigit() and bare[:1] != "0" and 8 <= len(bare) <= 15:
        return "+" + bare
    return parse_number("+" + digits.lstrip("+"))


@lru_cache(maxsize=4096)  # pure, and every result line formats its number again
def national_format(e164: str) -> str:
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)


def country_of(e164: str) -> str | None:
    try:
        parsed = phonenumbers.parse(e164, None)
    except NumberParseException:
        return None
    return phonenumbers.region_code_for_number(parsed)


def calling_code(country: str) -> int:
    return phonenumbers.country_code_for_region(country)
