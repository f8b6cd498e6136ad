"""What `e911` and `cnam` take, checked before any provider is asked: pure functions, no I/O.

An emergency address is typed as ``<street>, <city>, <state> <zip>`` (a unit may follow the
street, or stand as its own part: ``1182 3rd Ave Suite 600, Seattle, WA 98101`` or
``1182 3rd Ave, Suite 600, Seattle, WA 98101``). Only US and Canadian addresses exist for E911;
the state decides the country. A caller-ID name is at most 15 characters with at least one
letter, drawn from what Flowroute's CNAM storage rules allow (the strictest of the providers).
Whether the address really exists is the provider's call (its geocoder), not ours.
"""

from __future__ import annotations

import re

from bot.models import EmergencyAddress

__all__ = ["ADDRESS_TYPES", "CNAM_MAX", "CNAM_PUNCTUATION", "check_cnam", "parse_address"]

US_STATES = frozenset([
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
])  # fmt: skip
CA_PROVINCES = frozenset(["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"])

# Flowroute's address types (case-insensitive there), with the abbreviations people type.
_TYPES = [
    "Apartment", "Basement", "Building", "Department", "Floor", "Front", "Key", "Lobby", "Lot", "Lower", "Office",
    "Penthouse", "Pier", "Rear", "Room", "Side", "Slip", "Space", "Stop", "Suite", "Trailer", "Unit", "Upper",
]  # fmt: skip
ADDRESS_TYPES = {t.lower(): t for t in _TYPES}
ADDRESS_TYPES.update(
    {
        "apt": "Apartment",
        "bsmt": "Basement",
        "bldg": "Building",
        "dept": "Department",
        "fl": "Floor",
        "flr": "Floor",
        "frnt": "Front",
        "ofc": "Office",
        "ph": "Penthouse",
        "rm": "Room",
        "spc": "Space",
        "ste": "Suite",
        "trlr": "Trailer",
        "#": "Unit",
    }
)

CNAM_MAX = 15
CNAM_PUNCTUATION = "-_.,@+&'/\""  # besides letters, digits and spaces (Flowroute's CNAM storage rules)
_CNAM = re.compile(r"^[A-Za-z0-9 " + re.escape(CNAM_PUNCTUATION) + r"]+$")
_SMART = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})  # Slack turns quotes into these

_US_ZIP = re.compile(r"^(\d{5})(?:-(\d{4}))?$")
_CA_POSTAL = re.compile(r"^([A-Za-z]\d[A-Za-z])\s?(\d[A-Za-z]\d)$")
_STREET = re.compile(r"^(\d{1,8})\s+(.+)$")
_ALLOWED_PUNCTUATION = set(" .,'#/-&")


def _plain(raw: str) -> str:
    """Slack's escaping undone (it sends & as &amp;), smart quotes made straight, spaces collapsed."""
    text = raw.replace("&amp;", "&").translate(_SMART)
    return " ".join(text.split())


def _unit(words: list[str]) -> tuple[str, str] | None:
    """`Suite 600`, `Apt 4B`, `#12` → (Flowroute's address type, its identifier)."""
    if len(words) == 1 and words[0].startswith("#") and len(words[0]) > 1:
        return "Unit", words[0][1:]
    if len(words) == 2:
        kind = ADDRESS_TYPES.get(words[0].lower().rstrip("."))
        if kind is not None:
            return kind, words[1].removeprefix("#")
    return None


def _split_street(street: str) -> tuple[str, tuple[str, str] | None]:
    """A street with a unit at its end (`1182 3rd Ave Suite 600`) → street, unit."""
    words = street.split()
    for size in (1, 2):
        if len(words) > size + 2:
            unit = _unit(words[-size:])
            if unit is not None:
                return " ".join(words[:-size]), unit
    return street, None


def _zip(raw: str, country: str) -> tuple[str, str | None]:
    if country == "US":
        match = _US_ZIP.match(raw)
        if not match:
            raise ValueError(f"{raw!r} is not a US ZIP code (98101 or 98101-1234)")
        return match.group(1), match.group(2)
    match = _CA_POSTAL.match(raw)
    if not match:
        raise ValueError(f"{raw!r} is not a Canadian postal code (M4C 5K7)")
    return f"{match.group(1)} {match.group(2)}".upper(), None


def parse_address(raw: str) -> EmergencyAddress:
    """`<street>, [<unit>,] <city>, <state> <zip>` → an address; ValueError says what is wrong."""
    text = _plain(raw)
    odd = sorted({c for c in text if not (c.isalnum() or c in _ALLOWED_PUNCTUATION)})
    if odd:
        raise ValueError(f"addresses may use letters, digits, spaces and . , ' # / - & (not {''.join(odd)!r})")
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (3, 4) or not all(parts):
        raise ValueError("write the address as <street>, <city>, <state> <zip>")
    street, city, region = parts[0], parts[-2], parts[-1]
    street, unit = _split_street(street)
    if len(parts) == 4:
        if unit is not None:
            raise ValueError("give the unit once, after the street")
        unit = _unit(parts[1].split())
        if unit is None:
            raise ValueError(f"{parts[1]!r} is not a unit such as Suite 600, Apt 4B or #12")
    match = _STREET.match(street)
    if not match or not any(c.isalpha() for c in match.group(2)) or len(match.group(2)) > 60:
        raise ValueError(f"{street!r} is not a street with its number first (1182 3rd Ave)")
    if not 2 <= len(city) <= 40 or not any(c.isalpha() for c in city) or any(c.isdigit() for c in city):
        raise ValueError(f"{city!r} is not a city")
    state, _, zip_code = region.partition(" ")
    state = state.upper()
    country = "US" if state in US_STATES else "CA" if state in CA_PROVINCES else None
    if country is None:
        raise ValueError(f"{state!r} is not a US state or Canadian province code (WA, ON…)")
    postal, plus_four = _zip(zip_code.strip(), country)
    return EmergencyAddress(
        street_number=match.group(1),
        street_name=match.group(2),
        unit_type=unit[0] if unit else None,
        unit=unit[1] if unit else None,
        city=city,
        state=state,
        postal_code=postal,
        plus_four=plus_four,
        country=country,
    )


def check_cnam(raw: str) -> str:
    """A caller-ID name as the providers take it; ValueError says what is wrong."""
    name = _plain(raw)
    if len(name) > CNAM_MAX:
        raise ValueError(f"a caller-ID name is at most {CNAM_MAX} characters")
    if not _CNAM.match(name):
        raise ValueError(f"a caller-ID name may use letters, digits, spaces and {CNAM_PUNCTUATION}")
    if not any(c.isalpha() for c in name):
        raise ValueError("a caller-ID name needs at least one letter (it is a name, not a number)")
    return name
