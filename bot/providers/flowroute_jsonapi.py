"""Reading Flowroute's JSON:API documents: pure functions, no I/O.

A number is identified by its E.164 digits without the ``+`` (``12061231234``; a number of
another country the same way, ``442079460123``: a resource's id equals its value); a number
route's value is 11 North American digits; a single number's document
carries its routes in ``included``; listings page with ``links.next``; errors arrive as
``{"errors": [{"detail", "status", "title"}]}``. Prices are JSON numbers in US dollars,
parsed straight to Decimal (never through a float).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from bot.models import NumberType
from bot.phone import to_e164
from bot.providers.http import json_object

__all__ = [
    "CURRENCY",
    "TYPES",
    "TYPES_BACK",
    "data_items",
    "describe_route",
    "error_reason",
    "included_routes",
    "next_page",
    "number_e164",
    "number_id",
    "parse_document",
    "related_route",
    "route_target",
    "route_value",
]

CURRENCY = "USD"  # Flowroute bills in US dollars
TYPES: dict[NumberType, str] = {NumberType.local: "longcode", NumberType.tollfree: "toll-free"}
TYPES_BACK = {
    "longcode": NumberType.local,
    "standard": NumberType.local,  # older accounts' word for a long code
    "toll-free": NumberType.tollfree,
    "tollfree": NumberType.tollfree,
}
_URL = re.compile(r"\S+://\S*")

Route = dict[str, Any]  # a route's id and attributes, flattened


def number_id(e164: str) -> str:
    """Flowroute's id for a number of any country: its E.164 digits without the ``+``."""
    return e164.removeprefix("+")


def route_value(e164: str) -> str | None:
    """A `number` route's value: 11 digits with the leading 1, or None outside +1."""
    digits = e164.removeprefix("+")
    return digits if len(digits) == 11 and digits.startswith("1") and digits.isdigit() else None


def parse_document(response: httpx.Response) -> dict[str, Any]:
    """A single-resource document; tolerates the extra `data` wrapper one of Flowroute's examples shows."""
    parsed = json_object(response)
    inner = parsed.get("data")
    if isinstance(inner, dict) and isinstance(inner.get("data"), dict):
        return inner
    return parsed


def error_reason(response: httpx.Response) -> str:
    """Flowroute's own reason (each error's `detail`, else its `title`) as one line without links."""
    errors = json_object(response).get("errors")
    texts: list[str] = []
    for error in errors if isinstance(errors, list) else []:
        text = error.get("detail") or error.get("title") if isinstance(error, dict) else None
        if text:
            texts.append(" ".join((text if isinstance(text, str) else json.dumps(text, default=str)).split()))
    line = _URL.sub("(link)", "; ".join(dict.fromkeys(texts)))[:200]
    return line or f"HTTP {response.status_code}"


def number_e164(resource: dict[str, Any]) -> str | None:
    """A number resource's E.164 (from `attributes.value`, else its id), of any country."""
    attributes = resource.get("attributes") or {}
    return to_e164(str(attributes.get("value") or resource.get("id") or ""))


def data_items(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    data = parsed.get("data")
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def next_page(parsed: dict[str, Any], params: dict[str, Any]) -> dict[str, Any] | None:
    """The next page's params from `links.next`: only its offset and limit, so the host stays ours."""
    links = parsed.get("links")
    following = links.get("next") if isinstance(links, dict) else None
    if not following:
        return None
    query = parse_qs(urlsplit(str(following)).query)
    try:
        offset = int(query["offset"][0])
        limit = int(query.get("limit", [params["limit"]])[0])
    except (KeyError, ValueError):
        return None
    return {**params, "offset": offset, "limit": limit} if offset > int(params["offset"]) and limit > 0 else None


def included_routes(parsed: dict[str, Any]) -> dict[str, Route]:
    """The document's `included` routes by id."""
    included = parsed.get("included")
    found: dict[str, Route] = {}
    for item in included if isinstance(included, list) else []:
        if isinstance(item, dict) and item.get("type") == "route" and item.get("id") is not None:
            found[str(item["id"])] = {"id": str(item["id"]), **(item.get("attributes") or {})}
    return found


def related_route(relationships: dict[str, Any], key: str, included: dict[str, Route]) -> Route | None:
    """The route a number's relationship (`primary_route`, `failover_route`) points at."""
    link = relationships.get(key) or relationships.get(f"voice_{key}")  # v2.1 calls them voice_*
    data = link.get("data") if isinstance(link, dict) else None
    if not isinstance(data, dict) or data.get("id") is None:
        return None
    return included.get(str(data["id"]), {"id": str(data["id"])})


def route_target(route: Route | None) -> str | None:
    """Where calls go when that is a phone number (`number` route, as E.164) or a SIP URI (`uri`)."""
    if route is None or not route.get("value"):
        return None
    value = str(route["value"])
    if route.get("route_type") == "number":
        return to_e164(value) or value
    return value if route.get("route_type") == "uri" else None


def describe_route(route: Route | None) -> str:
    """One line for `info`: what the route does, and its alias."""
    if route is None:
        return "none"
    kind, value, alias = route.get("route_type"), route.get("value"), route.get("alias")
    if kind == "sip-reg":
        text = "registered SIP device (sip-reg)"
    elif kind and value:
        text = f"{kind} {route_target(route) or value}"
    else:
        text = f"route {route['id']}"
    return f"{text} “{alias}”" if alias and alias != kind else text
