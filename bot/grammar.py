"""`/number <subcommand> args` → a typed command (bot.commands), or InputError with the usage line.

Parsing is pure: no Redis, no provider.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation

from bot.addresses import check_cnam, parse_address
from bot.commands import (
    MAX_AUDIT,
    MAX_LIMIT,
    MAX_NAME,
    MAX_SMS,
    USAGE,
    Adopt,
    Amount,
    Audit,
    AuditExport,
    Budget,
    CallerId,
    Command,
    Emergency,
    Forward,
    Grant,
    Help,
    Info,
    List,
    Name,
    OpenSearch,
    Release,
    Revoke,
    Roles,
    Search,
    SendSms,
    SmsTo,
)
from bot.errors import InputError
from bot.models import Feature, NumberType, Role, SearchQuery
from bot.mrkdwn import escape, quoted
from bot.phone import normalise_country, parse_destination, parse_number
from bot.sms_text import plain

__all__ = ["parse"]

# ----------------------------------------------------------------------------- helpers

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_RAW_USER = re.compile(r"^@?([UW][A-Z0-9]{2,})$")
_AMOUNT = re.compile(r"^(\d{1,9}(?:\.\d{1,4})?)([A-Za-z]{3})?$")
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$|^([CG][A-Z0-9]{2,})$")


def _fail(sub: str, why: str | None = None) -> InputError:
    usage = f"Usage: {escape(USAGE[sub])}"
    return InputError(f"{why}. {usage}" if why else usage)


def _split_flags(sub: str, tokens: list[str], allowed: Collection[str]) -> tuple[list[str], dict[str, str]]:
    """Separate `--flag value` / `--flag=value` from positional tokens."""
    positional: list[str] = []
    flags: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--"):
            key, eq, value = token[2:].partition("=")
            key = key.lower()
            if key not in allowed:
                raise _fail(sub, f"Unknown option {quoted('--' + key)}")
            if not eq:
                if i + 1 >= len(tokens):
                    raise _fail(sub, f"{quoted('--' + key)} needs a value")
                i += 1
                value = tokens[i]
                # Amount and currency may come as two tokens: --auto-approve 20 EUR
                if key == "auto-approve" and i + 1 < len(tokens) and re.fullmatch(r"[A-Za-z]{3}", tokens[i + 1]):
                    i += 1
                    value += tokens[i]
            if key in flags:
                raise _fail(sub, f"{quoted('--' + key)} given twice")
            flags[key] = value
        else:
            positional.append(token)
        i += 1
    return positional, flags


def _provider(sub: str, raw: str, providers: Collection[str]) -> str:
    name = raw.lower()
    if name not in providers:
        enabled = ", ".join(sorted(providers)) or "none"
        raise _fail(sub, f"Unknown or disabled provider {quoted(raw)} (enabled: {enabled})")
    return name


def _number(sub: str, raw: str) -> str:
    e164 = parse_number(raw)
    if e164 is None:
        raise _fail(sub, f"{quoted(raw)} is not a phone number in international format (+CC…)")
    return e164


def _user(sub: str, raw: str) -> str:
    for pattern in (_MENTION, _RAW_USER):
        match = pattern.match(raw)
        if match:
            return match.group(1)
    raise _fail(sub, f"{quoted(raw)} is not a Slack user mention")


def _amount(sub: str, raw: str) -> Amount:
    """`500`, `500USD`, `19.99 EUR` → an amount, in the team currency when none is given."""
    match = _AMOUNT.match(raw.strip())
    if not match:
        raise _fail(sub, f"{quoted(raw)} is not an amount")
    try:
        value = Decimal(match.group(1))
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        raise _fail(sub, f"{quoted(raw)} is not an amount") from None
    return Amount(value=value, currency=match.group(2).upper() if match.group(2) else None)


def _is_off(raw: str) -> bool:
    return raw.lower() in ("off", "none", "unset")


# ----------------------------------------------------------------------------- parsers


def _search(tokens: list[str], providers: Collection[str]) -> Search:
    sub = "search"
    positional, flags = _split_flags(sub, tokens, ("provider", "type", "features", "limit"))
    if not positional:
        raise _fail(sub, "Give a country code")
    if len(positional) > 2:
        raise _fail(sub, f"Unexpected {quoted(positional[2])}")
    country = normalise_country(positional[0])
    if country is None:
        hint = " (use GB for the United Kingdom)" if positional[0].upper() == "UK" else ""
        raise _fail(sub, f"{quoted(positional[0])} is not an ISO 3166 country code{hint}")
    pattern = positional[1] if len(positional) > 1 else None
    if pattern is not None and (not pattern.isdigit() or len(pattern) > 12):
        raise _fail(sub, f"Pattern {quoted(pattern)} must be 1-12 digits")
    number_type = None
    if "type" in flags:
        try:
            number_type = NumberType(flags["type"].lower().replace("-", ""))
        except ValueError:
            raise _fail(sub, f"Unknown type {quoted(flags['type'])}") from None
    features: set[Feature] = set()
    if "features" in flags:
        for item in flags["features"].lower().split(","):
            try:
                features.add(Feature(item.strip()))
            except ValueError:
                raise _fail(sub, f"Unknown feature {quoted(item)}") from None
    limit = 10
    if "limit" in flags:
        if not flags["limit"].isdigit() or not 1 <= int(flags["limit"]) <= MAX_LIMIT:
            raise _fail(sub, f"--limit must be 1-{MAX_LIMIT}")
        limit = int(flags["limit"])
    provider = _provider(sub, flags["provider"], providers) if "provider" in flags else None
    query = SearchQuery(country=country, pattern=pattern, type=number_type, features=frozenset(features), limit=limit)
    return Search(query=query, provider=provider)


def _list(tokens: list[str], providers: Collection[str]) -> List:
    positional, flags = _split_flags("list", tokens, ("provider",))
    if positional:
        raise _fail("list", f"Unexpected {quoted(positional[0])}")
    provider = _provider("list", flags["provider"], providers) if "provider" in flags else None
    return List(provider=provider)


def _one_number(sub: str, tokens: list[str]) -> str:
    if not tokens:
        raise _fail(sub, "Give a number")
    return _number(sub, "".join(tokens))


def _name(tokens: list[str]) -> Name:
    if len(tokens) < 2:
        raise _fail("name", "Give a number and a name")
    label = " ".join(tokens[1:]).strip()
    if len(label) > MAX_NAME:
        raise _fail("name", f"Names are at most {MAX_NAME} characters")
    return Name(e164=_number("name", tokens[0]), label=label)


def _forward(tokens: list[str]) -> Forward:
    sub = "forward"
    if len(tokens) < 2:
        raise _fail(sub, "Give a number and a destination")
    # Either part may contain spaces: take the first split where both sides parse.
    for cut in range(1, len(tokens)):
        number = parse_number("".join(tokens[:cut]))
        destination = parse_destination("".join(tokens[cut:]))
        if number and destination:
            if number == destination:
                raise _fail(sub, "A number cannot forward to itself")
            return Forward(e164=number, destination=destination)
    number = parse_number(tokens[0])
    if number is None:
        raise _fail(sub, f"{quoted(tokens[0])} is not a phone number in international format (+CC…)")
    raise _fail(sub, f"{quoted(' '.join(tokens[1:]))} is not a valid destination number (+CC…)")


def _adopt(tokens: list[str], providers: Collection[str]) -> Adopt:
    positional, flags = _split_flags("adopt", tokens, ("provider",))
    if "provider" not in flags:
        raise _fail("adopt", "Say which provider owns it")
    return Adopt(e164=_one_number("adopt", positional), provider=_provider("adopt", flags["provider"], providers))


def _grant(tokens: list[str]) -> Grant:
    if len(tokens) != 2:
        raise _fail("grant")
    try:
        role = Role(tokens[1].lower())
    except ValueError:
        raise _fail("grant", f"Unknown role {quoted(tokens[1])}") from None
    return Grant(user_id=_user("grant", tokens[0]), role=role)


def _revoke(tokens: list[str]) -> Revoke:
    if len(tokens) != 1:
        raise _fail("revoke")
    return Revoke(user_id=_user("revoke", tokens[0]))


def _audit(tokens: list[str]) -> Audit | AuditExport:
    if not tokens:
        return Audit()
    if [t.lower() for t in tokens] in (["export"], ["csv"]):
        return AuditExport()
    if len(tokens) > 1 or not tokens[0].isdigit() or not 1 <= int(tokens[0]) <= MAX_AUDIT:
        raise _fail("audit", f"N must be 1-{MAX_AUDIT}")
    return Audit(count=int(tokens[0]))


def _budget(tokens: list[str]) -> Budget:
    sub = "budget"
    positional, flags = _split_flags(sub, tokens, ("auto-approve",))
    details = [t for t in positional if t.lower() == "details"]
    amount_text = "".join(t for t in positional if t.lower() != "details")
    budget = clear_budget = None
    if amount_text:
        if _is_off(amount_text):
            clear_budget = True
        else:
            budget = _amount(sub, amount_text)
    auto = clear_auto = None
    if "auto-approve" in flags:
        if _is_off(flags["auto-approve"]):
            clear_auto = True
        else:
            auto = _amount(sub, flags["auto-approve"])
    return Budget(
        budget=budget,
        auto_approve=auto,
        clear_budget=bool(clear_budget),
        clear_auto_approve=bool(clear_auto),
        details=bool(details),
    )


def _why(exc: ValueError) -> str:
    """A checker's reason as the start of a sentence, escaped (it echoes what was typed)."""
    text = escape(str(exc))
    return text[:1].upper() + text[1:]


def _leading_number(sub: str, tokens: list[str]) -> tuple[str, list[str]]:
    """The number at the start (it may be typed with spaces: the longest run of up to five
    tokens that still reads as a number) and the tokens after it."""
    if not tokens:
        raise _fail(sub, "Give a number")
    found: tuple[str, int] | None = None
    for cut in range(1, min(len(tokens), 5) + 1):
        e164 = parse_number("".join(tokens[:cut]))
        if e164 is not None:
            found = (e164, cut)
        elif found is not None:
            break
    if found is None:
        raise _fail(sub, f"{quoted(tokens[0])} is not a phone number in international format (+CC…)")
    return found[0], tokens[found[1] :]


def _e911(tokens: list[str]) -> Emergency:
    sub = "e911"
    e164, rest = _leading_number(sub, tokens)
    if not rest:
        return Emergency(e164=e164)
    if len(rest) == 1 and _is_off(rest[0]):
        return Emergency(e164=e164, off=True)
    try:
        return Emergency(e164=e164, address=parse_address(" ".join(rest)))
    except ValueError as exc:
        raise _fail(sub, _why(exc)) from None


def _cnam(tokens: list[str]) -> CallerId:
    sub = "cnam"
    e164, rest = _leading_number(sub, tokens)
    words = [t.lower() for t in rest]
    if not rest:
        return CallerId(e164=e164)
    if len(rest) == 1 and _is_off(rest[0]):
        return CallerId(e164=e164, off=True)
    if words[0] == "lookup":
        if words[1:] not in (["on"], ["off"]):
            raise _fail(sub, "Say lookup on or lookup off")
        return CallerId(e164=e164, lookup=words[1] == "on")
    try:
        return CallerId(e164=e164, caller_name=check_cnam(" ".join(rest)))
    except ValueError as exc:
        raise _fail(sub, _why(exc)) from None


def _sms_to(tokens: list[str]) -> SmsTo:
    sub = "sms-to"
    private = any(t.lower() == "--private" for t in tokens)
    positional, _ = _split_flags(sub, [t for t in tokens if t.lower() != "--private"], ())
    if len(positional) != 2:
        raise _fail(sub, "Give a number and a channel (or off)")
    e164 = _number(sub, positional[0])
    if _is_off(positional[1]):
        if private:
            raise _fail(sub, "--private goes with a channel")
        return SmsTo(e164=e164, channel=None)
    match = _CHANNEL.match(positional[1])
    if match is None:
        raise _fail(sub, f"{quoted(positional[1])} is not a channel: pick it with # so Slack links it")
    return SmsTo(e164=e164, channel=match.group(1) or match.group(2), private=private)


def _send_sms(text: str) -> SendSms:
    """`sms <NUMBER> <DESTINATION> <text…>`: the text keeps its own spacing and line breaks."""
    sub = "sms"
    parts = text.strip().split(None, 3)
    if len(parts) < 4 or not parts[3].strip():
        raise _fail(sub, "Give a number, a destination and the text")
    e164 = _number(sub, parts[1])
    destination = parse_destination(parts[2])
    if destination is None:
        raise _fail(sub, f"{quoted(parts[2])} is not a valid destination number (+CC…)")
    if destination == e164:
        raise _fail(sub, "A number cannot text itself")
    message = plain(parts[3]).strip()
    if len(message) > MAX_SMS:
        raise _fail(sub, f"A test SMS is at most {MAX_SMS} characters")
    return SendSms(e164=e164, destination=destination, text=message)


def parse(text: str, providers: Collection[str]) -> Command:
    """Parse the text after `/number`. `providers` are the enabled provider names."""
    tokens = text.split()
    if not tokens:
        return OpenSearch()
    sub, rest = tokens[0].lower(), tokens[1:]
    match sub:
        case "help" | "?":
            return Help()
        case "search":
            return _search(rest, providers)
        case "list":
            return _list(rest, providers)
        case "info":
            return Info(e164=_one_number("info", rest))
        case "name":
            return _name(rest)
        case "forward":
            return _forward(rest)
        case "release":
            return Release(e164=_one_number("release", rest))
        case "adopt":
            return _adopt(rest, providers)
        case "roles":
            if rest:
                raise _fail("roles")
            return Roles()
        case "grant":
            return _grant(rest)
        case "revoke":
            return _revoke(rest)
        case "audit":
            return _audit(rest)
        case "budget":
            return _budget(rest)
        case "e911":
            return _e911(rest)
        case "cnam":
            return _cnam(rest)
        case "sms-to":
            return _sms_to(rest)
        case "sms":
            return _send_sms(text)
    raise InputError(f"Unknown subcommand {quoted(tokens[0])}. Try /number help")
