"""`vonage`: the Vonage (Nexmo) Numbers API on rest.nexmo.com.

Wire protocol: ``GET /number/search`` and ``GET /account/numbers`` (paged by ``index``/``size``,
at most 100 a page), and form-encoded ``POST /number/buy``, ``/number/cancel`` and
``/number/update``. Every request carries HTTP Basic auth (api_key:api_secret), never the
credentials in a URL or form, so nothing that logs a URL or a body can leak them.

Writes answer ``{"error-code": "200", ...}`` on success; a failure is HTTP 420 (sometimes 200)
with ``error-code``/``error-code-label``, so both the status and the body are checked. A buy
that fails or loses its answer is never sent again: the account is looked up first, and a
number the account owns counts as bought.

``POST /number/update`` replaces the number's settings with what it is sent: a field left out
(``app_id``, ``moHttpUrl``, ``voiceStatusCallback``, the messages callback) is cleared. A
forward therefore sends back what ``/account/numbers`` reports for those, and changes only the
voice callback.

Search ``features`` takes only the combinations Vonage's reference lists, in its order
(``SMS``, ``VOICE``, ``SMS,VOICE``, ``MMS``, ``SMS,MMS``, ``VOICE,MMS``, ``SMS,MMS,VOICE``).

Text messages (routing SMS through ``moHttpUrl``, the SMS API, signed webhooks) are the
``VonageSms`` half in bot.providers.vonage_sms; they reuse this module's update form.

Money: ``cost`` is the monthly rental as a decimal string in the account's currency. Vonage
documents it "in Euros" (API accounts are kept in EUR) and the API never says otherwise, so
it is read as EUR. Vonage gives no setup cost: it is unknown (None), never 0.
"""

from __future__ import annotations

import asyncio
import logging
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from bot.errors import (
    OutcomeUnknown,
    ProviderAuthError,
    ProviderError,
    ProviderRefused,
    ProviderUnavailable,
)
from bot.models import Feature, Money, NumberType, Offer, OwnedNumber, SearchQuery
from bot.phone import calling_code, country_of, to_e164
from bot.providers.base import Capabilities, Order, Progress
from bot.providers.basic_auth import BasicAuthProvider, KeyPairSettings
from bot.providers.http import json_object, raise_for_common_status
from bot.providers.money import parse_money
from bot.providers.settle import owned_from_offer, settle_buy, settle_forward
from bot.providers.vonage_sms import VonageSms

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["CURRENCY", "DEFAULT_BASE_URL", "MAX_PAGES", "PAGE_SIZE", "VonageProvider"]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://rest.nexmo.com"
CURRENCY = "EUR"  # see the module docstring: Vonage prices numbers in the account currency, EUR
PAGE_SIZE = 100  # Vonage's maximum `size`
PAGE_CONCURRENCY = 4  # account pages fetched at once, to stay clear of rate limits
MAX_PAGES = 100  # 10,000 numbers: a `count` claiming more is not followed further

_TYPES: dict[NumberType, str] = {
    NumberType.local: "landline",
    NumberType.mobile: "mobile-lvn",
    NumberType.tollfree: "landline-toll-free",
}
_TYPES_BACK = {wire: ours for ours, wire in _TYPES.items()}
_FEATURES: dict[Feature, str] = {Feature.sms: "SMS", Feature.voice: "VOICE", Feature.mms: "MMS"}
_FEATURES_BACK = {wire: ours for ours, wire in _FEATURES.items()}
# The `features` values of /number/search, exactly as Vonage's API reference lists them.
_SEARCH_FEATURES = ("SMS", "VOICE", "SMS,VOICE", "MMS", "SMS,MMS", "VOICE,MMS", "SMS,MMS,VOICE")
_FEATURE_QUERY = {frozenset(_FEATURES_BACK[f] for f in value.split(",")): value for value in _SEARCH_FEATURES}
# What /number/update clears unless it is sent again (the voice callback is what a forward sets).
_KEPT_ON_UPDATE = ("app_id", "moHttpUrl", "voiceStatusCallback")
_MESSAGES_CALLBACK = ("messagesCallbackType", "messagesCallbackValue")  # sent together or not at all
# What Vonage's one opaque refusal usually means, so the user knows what to do next.
_HINTS = {"method failed": "Vonage says this when the number is no longer for sale or the account lacks credit"}


def _msisdn(e164: str) -> str:
    return e164.removeprefix("+")


def _features(raw: object) -> frozenset[Feature]:
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    return frozenset(_FEATURES_BACK[f] for f in (str(i).strip().upper() for i in items) if f in _FEATURES_BACK)


def _reason(response: httpx.Response) -> str:
    """Vonage's own one-line reason (`error-code-label`), never the URL or headers."""
    label = json_object(response).get("error-code-label")
    text = " ".join(str(label).split())[:200] if label else f"HTTP {response.status_code}"
    hint = _HINTS.get(text.lower())
    return f"{text} ({hint})" if hint else text


def _succeeded(response: httpx.Response) -> bool:
    """A write went through only with HTTP 200 *and* error-code 200 in the body."""
    return response.status_code == 200 and str(json_object(response).get("error-code", "")) == "200"


def _nothing_done(response: httpx.Response) -> bool:
    """Answers that mean the request was not acted on: rejected credentials, rate limited."""
    return response.status_code in (401, 403, 429) or str(json_object(response).get("error-code")) in ("401", "403")


class VonageProvider(VonageSms, BasicAuthProvider):
    name: ClassVar[str] = "vonage"
    label: ClassVar[str] = "Vonage"
    capabilities: ClassVar[Capabilities] = Capabilities(
        pattern=True,
        features_filter=True,
        forward=True,
        release=True,
        rename=False,  # Vonage numbers carry no name the bot could set
        monthly_cost=True,
        setup_cost=False,  # Vonage's search gives only the monthly rental
        hold=False,  # no reservations: a number is for sale until someone buys it
        balance=True,  # GET /account/get-balance
        sms_in=True,  # the number's moHttpUrl (bot.providers.vonage_sms)
        sms_out=True,  # the SMS API
    )

    default_base_url: ClassVar[str] = DEFAULT_BASE_URL

    @classmethod
    def key_pair_settings(cls, settings: Settings) -> KeyPairSettings:
        """VONAGE_API_KEY and VONAGE_API_SECRET (both enable it), VONAGE_BASE_URL."""
        return KeyPairSettings(settings.vonage_api_key, settings.vonage_api_secret, settings.vonage_base_url)

    @classmethod
    def from_settings(cls, settings: Settings, *, http: httpx.AsyncClient, **_: Any) -> VonageProvider | None:
        """As every key-pair adapter, plus VONAGE_SIGNATURE_SECRET: inbound SMS webhooks are signed."""
        provider = super().from_settings(settings, http=http)
        if provider is not None and settings.vonage_signature_secret is not None:
            provider.signature_secret = settings.vonage_signature_secret.get_secret_value()
        return provider

    # -- the wire ------------------------------------------------------------------------

    async def _read(self, path: str, params: dict[str, Any], *, action: str) -> dict[str, Any]:
        """GET with retries (ProviderHttp); any error answer becomes a bot error here."""
        response = await self._http.read("GET", path, action=action, params=params)
        self._raise_for_auth_or_outage(response, action)
        body = json_object(response)
        if response.status_code != 200 or str(body.get("error-code", "200")) != "200":
            raise ProviderRefused(self.label, f"{action} failed: {_reason(response)}")
        return body

    async def _write(self, path: str, form: dict[str, str], *, action: str) -> httpx.Response:
        """A form-encoded POST sent once; a lost answer raises OutcomeUnknown."""
        return await self._http.write("POST", path, action=action, data=form)

    def _raise_for_auth_or_outage(self, response: httpx.Response, action: str) -> None:
        # An auth failure may also arrive as an error body with HTTP 200.
        if str(json_object(response).get("error-code", "")) in ("401", "403"):
            raise ProviderAuthError(self.label)
        raise_for_common_status(self.label, response, action)

    # -- reading the account -------------------------------------------------------------

    def _owned(self, raw: dict[str, Any]) -> OwnedNumber | None:
        e164 = to_e164(str(raw.get("msisdn", "")))
        if e164 is None:
            return None
        details = {"Vonage number type": str(raw["type"])} if raw.get("type") else {}
        if raw.get("app_id"):
            details["Vonage application"] = str(raw["app_id"])
        return OwnedNumber(
            provider=self.name,
            e164=e164,
            country=str(raw.get("country") or "") or country_of(e164),
            type=_TYPES_BACK.get(str(raw.get("type", ""))),
            features=_features(raw.get("features")),
            forward_to=_forwarding(raw),
            monthly=None,  # /account/numbers carries no price; the pool keeps the quoted one
            details=details,
        )

    async def _page(self, index: int, limit: asyncio.Semaphore) -> dict[str, Any]:
        async with limit:
            return await self._read(
                "/account/numbers",
                {"index": index, "size": PAGE_SIZE},
                action="listing the account's numbers",
            )

    async def list(self) -> list[OwnedNumber]:
        """Every page: the first says how many there are (`count`), the rest come at once."""
        limit = asyncio.Semaphore(PAGE_CONCURRENCY)
        first = await self._page(1, limit)
        pages = math.ceil(_count(first) / PAGE_SIZE)
        if pages > MAX_PAGES:  # the count comes from the answer: never let it set the work
            log.warning("vonage account listing stopped at the page cap", extra={"count": _count(first)})
            pages = MAX_PAGES
        rest = await asyncio.gather(*(self._page(i, limit) for i in range(2, pages + 1)), return_exceptions=True)
        bodies = [first]
        for result in rest:  # raised only once every page has settled: nothing left running
            if isinstance(result, BaseException):
                raise result
            bodies.append(result)
        found: dict[str, OwnedNumber] = {}
        for body in bodies:
            for raw in _numbers(body):
                owned = self._owned(raw)
                if owned is not None:
                    found.setdefault(owned.e164, owned)  # a number may shift pages meanwhile
        return list(found.values())

    async def _lookup(self, e164: str) -> dict[str, Any] | None:
        """The account's record of one number (a starts-with pattern on its full msisdn)."""
        msisdn = _msisdn(e164)
        body = await self._read(
            "/account/numbers",
            {"pattern": msisdn, "search_pattern": 0, "size": PAGE_SIZE},
            action=f"looking up {e164}",
        )
        return next((raw for raw in _numbers(body) if str(raw.get("msisdn")) == msisdn), None)

    async def get(self, e164: str) -> OwnedNumber | None:
        raw = await self._lookup(e164)
        return self._owned(raw) if raw is not None else None

    async def balance(self) -> Money:
        """`GET /account/get-balance` (Account API): ``{"value": 10.28, "autoReload": false}``, in EUR."""
        body = await self._read("/account/get-balance", {}, action="reading the account balance")
        amount = body.get("value")
        if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
            raise ProviderUnavailable(self.label, "reading the account balance: the answer carried no value")
        return Money(amount=Decimal(amount), currency=CURRENCY)

    # -- search ----------------------------------------------------------------------------

    async def search(self, query: SearchQuery) -> list[Offer]:
        params: dict[str, Any] = {"country": query.country, "size": min(max(query.limit, 1), PAGE_SIZE), "index": 1}
        if query.type is not None:
            params["type"] = _TYPES[query.type]
        if query.pattern:
            # Our pattern is the national number's start; Vonage matches the whole msisdn.
            params["pattern"] = f"{calling_code(query.country)}{query.pattern}"
            params["search_pattern"] = 0
        if query.features:
            params["features"] = _FEATURE_QUERY[frozenset(query.features)]
        body = await self._read("/number/search", params, action=f"searching {query.country} numbers")
        offers: list[Offer] = []
        for raw in _numbers(body):
            e164 = to_e164(str(raw.get("msisdn", "")))
            if e164 is None:
                continue
            offers.append(
                Offer(
                    provider=self.name,
                    e164=e164,
                    country=str(raw.get("country") or query.country),
                    type=_TYPES_BACK.get(str(raw.get("type", ""))),
                    features=_features(raw.get("features")),
                    monthly=parse_money(raw.get("cost"), CURRENCY),
                    setup=None,  # Vonage gives no setup cost: unknown, not free
                )
            )
        return offers[: query.limit]

    # -- changes ---------------------------------------------------------------------------

    async def buy(self, order: Order, progress: Progress) -> OwnedNumber:
        offer = order.offer
        action = f"buying {offer.e164}"
        form = {"country": offer.country, "msisdn": _msisdn(offer.e164)}
        try:
            response = await self._write("/number/buy", form, action=action)
        except OutcomeUnknown:
            return await settle_buy(self, offer, f"{action} got no answer", definite=False)
        if _succeeded(response):
            return owned_from_offer(offer)
        if _nothing_done(response):
            self._raise_for_auth_or_outage(response, action)
        # 420 or an error body with 200 is Vonage's answer; a 5xx after sending is not one.
        definite = response.status_code < 500
        return await settle_buy(self, offer, f"could not buy {offer.e164}: {_reason(response)}", definite=definite)

    async def forward(self, e164: str, destination: str) -> None:
        """Inbound calls to `destination` via voiceCallbackType=tel (Vonage dials it)."""
        raw = await self._lookup(e164)
        if raw is None:
            raise ProviderRefused(self.label, f"{e164} is not on the Vonage account")
        action = f"forwarding {e164}"
        form = self._update_form(raw, voiceCallbackType="tel", voiceCallbackValue=_msisdn(destination))
        try:
            response = await self._write("/number/update", form, action=action)
        except OutcomeUnknown:
            return await settle_forward(self, e164, destination, action)
        if not _succeeded(response):
            self._raise_for_auth_or_outage(response, action)
            raise ProviderRefused(self.label, f"could not forward {e164}: {_reason(response)}")

    def _update_form(self, raw: dict[str, Any], **changes: str | None) -> dict[str, str]:
        """A /number/update form that keeps every setting of `raw` (as /account/numbers reports
        it) except `changes`; a change to None clears that setting."""
        form = {"country": str(raw.get("country") or country_of(f"+{raw.get('msisdn')}") or "")}
        form |= {"msisdn": str(raw.get("msisdn", "")), **_kept_settings(raw)}
        if raw.get("voiceCallbackType") and raw.get("voiceCallbackValue"):
            form |= {k: str(raw[k]) for k in ("voiceCallbackType", "voiceCallbackValue")}
        for key, value in changes.items():
            if value is None:
                form.pop(key, None)
            else:
                form[key] = value
        return form

    async def release(self, e164: str, progress: Progress) -> None:
        """Cancel the number; one the account no longer has counts as released."""
        raw = await self._lookup(e164)
        if raw is None:
            return
        action = f"releasing {e164}"
        form = {"country": str(raw.get("country") or country_of(e164) or ""), "msisdn": _msisdn(e164)}
        response = await self._write("/number/cancel", form, action=action)  # lost answer: the flow checks
        if _succeeded(response):
            return
        if _nothing_done(response):
            self._raise_for_auth_or_outage(response, action)
        try:
            still_there = await self._lookup(e164)
        except ProviderError:
            raise OutcomeUnknown(
                self.label, f"{action} failed ({_reason(response)}) and could not be checked"
            ) from None
        if still_there is not None:
            raise ProviderRefused(self.label, f"could not release {e164}: {_reason(response)}")


def _kept_settings(raw: dict[str, Any]) -> dict[str, str]:
    """The settings /number/update would clear, as /account/numbers reports them now."""
    kept = {k: str(raw[k]) for k in _KEPT_ON_UPDATE if raw.get(k)}
    if all(raw.get(k) for k in _MESSAGES_CALLBACK):
        kept.update({k: str(raw[k]) for k in _MESSAGES_CALLBACK})
    return kept


def _numbers(body: dict[str, Any]) -> list[dict[str, Any]]:
    """A page's numbers; Vonage leaves `numbers` out of an empty page."""
    numbers = body.get("numbers")
    return [n for n in numbers if isinstance(n, dict)] if isinstance(numbers, list) else []


def _count(body: dict[str, Any]) -> int:
    try:
        return max(0, int(body.get("count") or 0))
    except (TypeError, ValueError):
        return 0


def _forwarding(raw: dict[str, Any]) -> str | None:
    """Where inbound calls go, from voiceCallbackType/Value (tel: a number; sip: a URI)."""
    kind, value = str(raw.get("voiceCallbackType") or ""), str(raw.get("voiceCallbackValue") or "")
    if not value:
        return None
    if kind == "tel":
        return to_e164(value) or value
    if kind == "sip":
        return value if value.startswith("sip:") else f"sip:{value}"
    return None  # "app": calls go to a Vonage application, not forwarded
