"""`flowroute`: Flowroute Numbers v2 and Routes v2 on api.flowroute.com.

Wire protocol: JSON:API (``application/vnd.api+json``) with HTTP Basic auth (access key:secret
key) on every request, never in a URL or body. ``GET /v2/numbers/available`` searches,
``POST /v2/numbers/{id}`` buys, ``GET /v2/numbers`` (``limit``/``offset``, following
``links.next``) and ``GET /v2/numbers/{id}`` (with its ``included`` routes) read the account,
``PATCH /v2/numbers/{id}`` sets the alias, ``DELETE /v2/numbers/{id}`` releases, and
``GET``/``POST /v2/routes`` + ``PATCH /v2/numbers/{id}/relationships/primary_route`` forward.
A number's id is its E.164 digits (``12061231234``). Flowroute lists numbers of any country on
the account and searches other countries (``iso_country``, and ``starts_with`` with a ``+``
and the country code, where +1 is the default); forwarding goes to +1 numbers only (a
``number`` route takes 11 digits).

A buy that fails or loses its answer is never sent again: the number is looked up first, and
a number the account owns counts as bought. Documents are read in ``flowroute_jsonapi``.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from bot.errors import (
    NotSupported,
    OutcomeUnknown,
    ProviderAuthError,
    ProviderError,
    ProviderRefused,
    ProviderUnavailable,
)
from bot.models import Feature, Offer, OwnedNumber, SearchQuery
from bot.phone import calling_code, country_of
from bot.providers.base import Capabilities, Order, Progress
from bot.providers.basic_auth import BasicAuthProvider, KeyPairSettings
from bot.providers.flowroute_features import FlowrouteFeatures, cnam_summary, e911_summary
from bot.providers.flowroute_jsonapi import (
    CURRENCY,
    TYPES,
    TYPES_BACK,
    data_items,
    describe_route,
    error_reason,
    included_routes,
    next_page,
    number_e164,
    number_id,
    parse_document,
    related_route,
    route_target,
    route_value,
)
from bot.providers.flowroute_sms import FlowrouteSms
from bot.providers.http import json_object, raise_for_common_status
from bot.providers.money import parse_money
from bot.providers.settle import at_quoted_price, settle_buy, settle_forward

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["DEFAULT_BASE_URL", "PAGE_SIZE", "FlowrouteProvider", "route_alias"]

DEFAULT_BASE_URL = "https://api.flowroute.com"
PAGE_SIZE = 200  # Flowroute's maximum `limit`
MAX_PAGES = 1000  # a `links.next` that never ends stops here
DETAIL_CONCURRENCY = 8  # number lookups in flight at once while listing
JSON_API = "application/vnd.api+json"


def route_alias(digits: str) -> str:
    """The alias of a route the bot creates to `digits` (Flowroute wants route aliases unique)."""
    return f"numberbot {digits}"


class FlowrouteProvider(FlowrouteFeatures, FlowrouteSms, BasicAuthProvider):
    name: ClassVar[str] = "flowroute"
    label: ClassVar[str] = "Flowroute"
    capabilities: ClassVar[Capabilities] = Capabilities(
        countries=None,  # Flowroute's search says which countries it has numbers in
        types=frozenset(TYPES),  # long codes and toll-free; no mobile numbers
        pattern=True,
        features_filter=True,  # every number takes voice; an SMS/MMS filter is refused with a reason
        forward=True,
        release=True,
        rename=True,  # the number's Flowroute alias follows the bot's friendly name
        monthly_cost=True,
        setup_cost=True,
        hold=False,  # no reservations: a number is for sale until someone buys it
        e911=True,  # address records, validated, attached to a number (flowroute_features)
        cnam=True,  # CNAM records, reviewed by Flowroute, attached once approved
        cnam_lookup=True,  # cnam_lookups_enabled on the number
        sms_in=True,  # the number's sms_callback (bot.providers.flowroute_sms)
        sms_out=True,  # Messages v2.1
    )

    default_base_url: ClassVar[str] = DEFAULT_BASE_URL

    @classmethod
    def key_pair_settings(cls, settings: Settings) -> KeyPairSettings:
        """FLOWROUTE_ACCESS_KEY and FLOWROUTE_SECRET_KEY (both enable it), FLOWROUTE_BASE_URL."""
        key, secret = settings.flowroute_access_key, settings.flowroute_secret_key
        return KeyPairSettings(key, secret, settings.flowroute_base_url)

    # -- the wire ------------------------------------------------------------------------

    async def _get(self, path: str, params: dict[str, Any] | None = None, *, action: str) -> httpx.Response:
        """A GET, retried by ProviderHttp on 429/5xx and timeouts; the caller maps the status."""
        headers = {"Accept": JSON_API}
        return await self._http.read("GET", path, action=action, params=params, headers=headers)

    async def _read(self, path: str, params: dict[str, Any] | None = None, *, action: str) -> dict[str, Any]:
        response = await self._get(path, params, action=action)
        if response.status_code != 200:
            self._raise_for_status(response, action)
            raise ProviderRefused(self.label, f"{action} failed: {error_reason(response)}")
        return json_object(response)

    async def _send(self, method: str, path: str, payload: object = None, *, action: str) -> httpx.Response:
        """A change, sent once: a lost answer raises OutcomeUnknown."""
        headers = {"Accept": JSON_API} | ({"Content-Type": JSON_API} if payload is not None else {})
        content = json.dumps(payload) if payload is not None else None
        return await self._http.write(method, path, action=action, content=content, headers=headers)

    def _raise_for_status(self, response: httpx.Response, action: str) -> None:
        """Credentials, permissions, rate limits and outages; other answers are the caller's."""
        if response.status_code == 403:  # the key works but may not do this
            reason = error_reason(response)
            raise ProviderAuthError(self.label, f"{self.label} denied access ({reason}); check the API key's rights")
        raise_for_common_status(self.label, response, action)

    # -- reading the account -------------------------------------------------------------

    async def _details(self, e164: str) -> dict[str, Any] | None:
        """`GET /v2/numbers/{id}`: the number's document, or None when the account lacks it."""
        number = number_id(e164)
        action = f"looking up {e164}"
        response = await self._get(f"/v2/numbers/{number}", action=action)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            self._raise_for_status(response, action)
            raise ProviderRefused(self.label, f"{action} failed: {error_reason(response)}")
        document = parse_document(response)
        if not isinstance(document.get("data"), dict):
            raise ProviderUnavailable(self.label, f"{action}: the answer could not be read; try again later")
        return document

    def _owned(self, document: dict[str, Any]) -> OwnedNumber | None:
        data = document.get("data") or {}
        e164 = number_e164(data)
        if e164 is None:
            return None
        attributes = data.get("attributes") or {}
        relationships = data.get("relationships") or {}
        routes = included_routes(document)
        primary = related_route(relationships, "primary_route", routes)
        alias = " ".join(str(attributes.get("alias") or "").split()) or None
        details = {
            "Flowroute alias": alias or "none",
            "Primary route": describe_route(primary),
            "Failover route": describe_route(related_route(relationships, "failover_route", routes)),
        }
        where = ", ".join(str(attributes[k]).upper() for k in ("rate_center", "state") if attributes.get(k))
        if where:
            details["Rate center"] = where
        messaging = {Feature.sms, Feature.mms} if attributes.get("messaging_enabled") is True else set()
        return OwnedNumber(
            provider=self.name,
            e164=e164,
            country=str(attributes.get("iso_country") or "").upper() or country_of(e164),
            type=TYPES_BACK.get(str(attributes.get("number_type") or "").lower()),
            features=frozenset({Feature.voice, *messaging}),
            forward_to=route_target(primary),
            monthly=parse_money(attributes.get("monthly_cost"), CURRENCY),
            name=alias,
            details=details,
            e911=e911_summary(document),
            cnam=cnam_summary(document),
        )

    async def get(self, e164: str) -> OwnedNumber | None:
        document = await self._details(e164)
        return self._owned(document) if document is not None else None

    async def _paged(self, path: str, params: dict[str, Any], *, action: str) -> list[dict[str, Any]]:
        """Every item of a listing, page after page as `links.next` says."""
        found: list[dict[str, Any]] = []
        page: dict[str, Any] | None = {**params, "limit": PAGE_SIZE, "offset": 0}
        for _ in range(MAX_PAGES):
            if page is None:
                break
            parsed = await self._read(path, page, action=action)
            items = data_items(parsed)
            found += items
            page = next_page(parsed, page) if items else None
        return found

    async def list(self) -> list[OwnedNumber]:
        """Every number, then each one's document: only that carries its routes (forwarding)."""
        listed = await self._paged("/v2/numbers", {}, action="listing the account's numbers")
        numbers = list(dict.fromkeys(e for e in map(number_e164, listed) if e is not None))
        limit = asyncio.Semaphore(DETAIL_CONCURRENCY)

        async def one(e164: str) -> OwnedNumber | None:
            async with limit:
                return await self.get(e164)

        results = await asyncio.gather(*(one(e164) for e164 in numbers), return_exceptions=True)
        for result in results:  # raised only once every lookup has settled: nothing left running
            if isinstance(result, BaseException):
                raise result
        return [r for r in results if isinstance(r, OwnedNumber)]  # released meanwhile: left out

    # -- search ----------------------------------------------------------------------------

    async def search(self, query: SearchQuery) -> list[Offer]:
        if query.type is not None and query.type not in TYPES:
            raise NotSupported(self.label, f"{self.label} has no {query.type.value} numbers")
        if query.features - {Feature.voice}:
            raise NotSupported(
                self.label,
                "search cannot filter by SMS/MMS: every Flowroute number takes calls, "
                "and messaging is enabled per number at Flowroute",
            )
        params: dict[str, Any] = {"limit": min(max(query.limit, 1), PAGE_SIZE), "iso_country": query.country}
        if query.pattern:
            code = calling_code(query.country)  # +1 is Flowroute's default; another is given with its +
            params["starts_with"] = f"1{query.pattern}" if code == 1 else f"+{code}{query.pattern}"
        if query.type is not None:
            params["number_type"] = TYPES[query.type]
        parsed = await self._read("/v2/numbers/available", params, action=f"searching {query.country} numbers")
        offers: list[Offer] = []
        for item in data_items(parsed):
            e164 = number_e164(item)
            if e164 is None:
                continue
            attributes = item.get("attributes") or {}
            offer = Offer(
                provider=self.name,
                e164=e164,
                country=str(attributes.get("iso_country") or "").upper() or country_of(e164) or query.country,
                type=TYPES_BACK.get(str(attributes.get("number_type") or "").lower()),
                features=frozenset({Feature.voice}),  # messaging is enabled (and priced) separately
                monthly=parse_money(attributes.get("monthly_cost"), CURRENCY),
                setup=parse_money(attributes.get("setup_cost"), CURRENCY),
            )
            # US and CA share +1: keep to the country (and type) asked for, whatever came back.
            if offer.country == query.country and (query.type is None or offer.type in (None, query.type)):
                offers.append(offer)
        return offers[: query.limit]

    # -- buying ----------------------------------------------------------------------------

    async def buy(self, order: Order, progress: Progress) -> OwnedNumber:
        offer = order.offer
        number = number_id(offer.e164)
        action = f"buying {offer.e164}"
        try:
            response = await self._send("POST", f"/v2/numbers/{number}", action=action)
        except OutcomeUnknown:
            return await settle_buy(self, offer, f"{action} got no answer", definite=False)
        if response.is_success:
            owned = self._owned(parse_document(response))
            if owned is None:  # bought, but the answer is unreadable: the account says what it is
                return await settle_buy(self, offer, f"{action}: the answer could not be read", definite=False)
            return at_quoted_price(owned, offer)
        if response.status_code in (401, 403, 429):  # not acted on
            self._raise_for_status(response, action)
        # A 4xx is Flowroute's answer (which may mean "already yours"); a 5xx after sending is not one.
        definite = response.status_code < 500
        failure = f"could not buy {offer.e164}: {error_reason(response)}"
        return await settle_buy(self, offer, failure, definite=definite)

    # -- forwarding and names --------------------------------------------------------------

    async def forward(self, e164: str, destination: str) -> None:
        """Attach a `number` route to `destination` (an identical one is reused) as the primary route."""
        target = route_value(destination)
        if target is None:
            raise ProviderRefused(self.label, f"Flowroute forwards only to +1 numbers, not to {destination}")
        document = await self._details(e164)
        owned = self._owned(document) if document is not None else None
        if owned is None:
            raise ProviderRefused(self.label, f"{e164} is not on the Flowroute account")
        if owned.forward_to == destination:
            return
        route_id = await self._route_to(target)
        action = f"forwarding {e164}"
        path = f"/v2/numbers/{number_id(e164)}/relationships/primary_route"
        try:
            response = await self._send("PATCH", path, {"data": {"type": "route", "id": route_id}}, action=action)
        except OutcomeUnknown:
            return await settle_forward(self, e164, destination, action)  # attaching it twice is harmless
        if not response.is_success:
            self._raise_for_status(response, action)
            raise ProviderRefused(self.label, f"could not forward {e164}: {error_reason(response)}")

    async def _find_route(self, digits: str) -> str | None:
        routes = await self._paged("/v2/routes", {"route_type": "number"}, action="listing the inbound routes")
        for route in routes:
            attributes = route.get("attributes") or {}
            value = str(attributes.get("value") or "").removeprefix("+")
            if attributes.get("route_type") == "number" and value == digits and route.get("id") is not None:
                return str(route["id"])
        return None

    async def _route_to(self, digits: str) -> str:
        """The id of a `number` route to `digits`: an identical one is reused, else one is created."""
        found = await self._find_route(digits)
        if found is not None:
            return found
        action = f"creating a route to +{digits}"
        route = {"type": "route", "attributes": {"route_type": "number", "value": digits, "alias": route_alias(digits)}}
        response: httpx.Response | None
        try:
            response = await self._send("POST", "/v2/routes", {"data": route}, action=action)
        except OutcomeUnknown:
            response = None
        if response is not None and response.is_success:
            data = parse_document(response).get("data")
            if isinstance(data, dict) and data.get("id") is not None:
                return str(data["id"])
        elif response is not None:
            self._raise_for_status(response, action)
        # Lost, unreadable, or refused (another process may have created it first): look again.
        try:
            found = await self._find_route(digits)
        except ProviderError:
            found = None
        if found is not None:
            return found
        if response is None or response.is_success:
            raise OutcomeUnknown(self.label, f"{action} got no usable answer; run the command again")
        raise ProviderRefused(self.label, f"could not create a route to +{digits}: {error_reason(response)}")

    async def rename(self, e164: str, name: str) -> None:
        """Set the number's Flowroute alias (the documented body: ``{"type": "number", "alias": …}``)."""
        number = number_id(e164)
        action = f"setting the alias of {e164}"
        payload = {"type": "number", "alias": name}
        try:
            response = await self._send("PATCH", f"/v2/numbers/{number}", payload, action=action)
        except OutcomeUnknown:
            try:
                owned = await self.get(e164)
            except ProviderError:
                owned = None
            if owned is not None and owned.name == " ".join(name.split()):
                return
            raise OutcomeUnknown(self.label, f"{action} got no answer; name it again to be sure") from None
        if response.is_success:
            return
        if response.status_code == 404:
            raise ProviderRefused(self.label, f"{e164} is not on the Flowroute account")
        self._raise_for_status(response, action)
        raise ProviderRefused(self.label, f"could not set the alias of {e164}: {error_reason(response)}")

    # -- release ---------------------------------------------------------------------------

    async def release(self, e164: str, progress: Progress) -> None:
        """DELETE the number; 404 (no longer on the account) counts as released."""
        number = number_id(e164)
        action = f"releasing {e164}"
        response = await self._send("DELETE", f"/v2/numbers/{number}", action=action)  # lost: the flow checks
        if response.is_success or response.status_code == 404:
            return
        if response.status_code in (401, 403, 429):
            self._raise_for_status(response, action)
        try:
            still_there = await self._details(e164)
        except ProviderError:
            reason = error_reason(response)
            raise OutcomeUnknown(self.label, f"{action} failed ({reason}) and could not be checked") from None
        if still_there is not None:
            raise ProviderRefused(self.label, f"could not release {e164}: {error_reason(response)}")
