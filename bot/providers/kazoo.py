"""`kazoo`: numbers on a 2600Hz Kazoo cluster, through its crossbar REST API (``/v2``).

Wire protocol (auth, envelope and errors in ``kazoo_api``): ``GET /v2/phone_numbers`` searches
(``prefix`` is the national number's first 3–10 digits, e.g. an area code; Kazoo prepends the
country's dial code itself, and its ``find_numbers`` schema refuses a shorter or longer one
with a 400), ``PUT …/phone_numbers/{N}/activate``
buys, ``GET …/phone_numbers`` (paged by ``page_size``/``start_key`` → ``next_start_key``,
``data.numbers`` keyed by number) and ``GET …/phone_numbers/{N}`` read the account,
``DELETE …/phone_numbers/{N}`` releases. Numbers in paths are E.164, URL-encoded (``%2B…``).

Charges: when the account's service plan charges for a number Kazoo answers the activation
402 with the charges; nothing is accepted then. The user is shown the amount (a second,
priced confirmation) and only that click's ``buy`` may resend with ``"accept_charges": true``,
once, after asking Kazoo again and only when it asks no more than the user accepted.

Forwarding is a callflow: the bot's callflow owns the number (``numbers: [N]``) and its flow is
the ``resources`` module with ``to_did`` = the destination, so an inbound call is sent out to the
destination through the carriers KAZOO_USE_LOCAL_RESOURCES chooses (default: the system's).
A hand-made forward callflow keeps its module and options; only ``to_did`` changes. A
callflow the bot did not make that does more than forward is left alone.

Money: search carries no price (unknown, never 0); charges are service-plan numbers without a
currency, read as USD.

Text messages: a test SMS is crossbar's ``PUT …/sms`` (``from``, ``to``, ``body`` of 1–700
characters), queued by Kazoo for the cluster's SMS carriers. Inbound SMS cannot be routed: crossbar
offers no webhook a number's SMS could be pointed at (its webhooks fire on calls and documents).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

import httpx
import phonenumbers

from bot.errors import ChargesRequired, NotSupported, OutcomeUnknown, ProviderError, ProviderRefused
from bot.models import Feature, Money, NumberType, Offer, OwnedNumber, SearchQuery
from bot.phone import calling_code, country_of
from bot.providers.base import BaseProvider, Capabilities, Order, Progress, account_digest
from bot.providers.http import ProviderHttp, Sleep, json_object
from bot.providers.kazoo_api import KazooApi, e164_of, reason, succeeded
from bot.providers.kazoo_callflows import BOT_CALLFLOW, Callflows, Route
from bot.providers.kazoo_features import KazooFeatures, kazoo_cnam, kazoo_e911
from bot.providers.money import parse_amount
from bot.providers.settle import owned_from_offer, settle_buy, settle_forward
from bot.sms_models import SentSms

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import RedisClient

__all__ = ["BOT_CALLFLOW", "CURRENCY", "KazooProvider"]


CURRENCY = "USD"  # Kazoo's service plan rates carry no currency; see the module docstring
MAX_QUANTITY = 50  # numbers asked of one search
PREFIX_LENGTH = (3, 10)  # crossbar's find_numbers schema: prefix is 3 to 10 characters
ON_ACCOUNT = frozenset({"in_service", "reserved", "port_in"})  # the account has the number
_FEATURES = frozenset({Feature.voice})  # a Kazoo number takes calls; SMS is not reported
_TYPES = {
    phonenumbers.PhoneNumberType.TOLL_FREE: NumberType.tollfree,
    phonenumbers.PhoneNumberType.MOBILE: NumberType.mobile,
    phonenumbers.PhoneNumberType.FIXED_LINE: NumberType.local,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberType.local,
}


def _number_path(e164: str) -> str:
    return f"/v2/accounts/{{account}}/phone_numbers/{quote(e164, safe='')}"


def _type_of(e164: str) -> NumberType | None:
    """Kazoo does not say; the numbering plan does (US geographic numbers count as local)."""
    try:
        return _TYPES.get(phonenumbers.number_type(phonenumbers.parse(e164, None)))
    except phonenumbers.NumberParseException:
        return None


def _state(raw: Mapping[str, Any]) -> str:
    read_only = raw.get("_read_only")
    state = raw.get("state") or (read_only.get("state") if isinstance(read_only, Mapping) else None)
    return str(state or "")


@dataclass(frozen=True)
class Charges:
    money: Money | None
    detail: str


def _charges(response: httpx.Response) -> Charges:
    """A 402's charges: the one-off activation plus the first month of each item's rate.

    The per-item rates are list rates before discounts, so the amount shown is never less than
    what accepting costs this month.
    """
    data = json_object(response).get("data")
    data = data if isinstance(data, Mapping) else {}
    activation = parse_amount(data.get("activation_charges"))
    monthly, items = Decimal(0), []
    for category, group in data.items():
        for item, raw in group.items() if isinstance(group, Mapping) else ():
            rate = parse_amount(raw.get("rate")) if isinstance(raw, Mapping) else None
            if rate is None:
                continue
            quantity = parse_amount(raw.get("quantity"))
            quantity = Decimal(1) if quantity is None else quantity
            monthly += rate * quantity
            items.append(f"{category} {item} {Money(amount=rate, currency=CURRENCY).display()}/month × {quantity}")
    if activation is None and not items:
        return Charges(None, "Kazoo asked to accept charges without saying how much")
    total = (activation or Decimal(0)) + monthly
    parts = [f"{Money(amount=activation or Decimal(0), currency=CURRENCY).display()} activation"]
    if items:
        parts.append(f"the first month of {', '.join(items)}")
    detail = f"Kazoo's service plan: {' + '.join(parts)}."
    return Charges(Money(amount=total, currency=CURRENCY), detail)


def _covers(accepted: Money | None, asked: Money) -> bool:
    return accepted is not None and accepted.currency == asked.currency and asked.amount <= accepted.amount


class KazooProvider(KazooFeatures, BaseProvider):
    name: ClassVar[str] = "kazoo"
    label: ClassVar[str] = "Kazoo"
    capabilities: ClassVar[Capabilities] = Capabilities(
        types=frozenset({NumberType.local, NumberType.tollfree}),  # told apart by the numbering plan
        pattern=True,
        features_filter=False,  # Kazoo's search knows nothing of SMS or voice
        forward=True,
        release=True,
        rename=False,
        monthly_cost=False,  # search carries no price; charges appear only as a 402 at purchase
        setup_cost=False,
        hold=False,
        e911=True,  # the number document's `e911` (kazoo_features)
        cnam=True,  # its `cnam.display_name`
        cnam_lookup=True,  # its `cnam.inbound_lookup`
        balance=True,  # transactions/current_balance (or ledgers/total)
        sms_out=True,  # crossbar's `PUT /v2/accounts/{account}/sms`
    )
    sms_missing: ClassVar[str] = (
        "Kazoo's API has no inbound SMS webhook a number can be pointed at, so its SMS cannot be routed to Slack"
    )

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        redis: RedisClient,
        base_url: str,
        api_key: str,
        account_id: str | None = None,
        use_local_resources: bool = False,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """`use_local_resources`: forwards leave through the account's own carriers rather than
        the system's; `sleep`: how retries wait (tests pass one that records instead of sleeping)."""
        wire = ProviderHttp(http, self.label, sleep=sleep)
        self._api = KazooApi(wire, redis=redis, base_url=base_url, api_key=api_key, account_id=account_id)
        self._callflows = Callflows(self._api, use_local_resources=use_local_resources)
        # The key names its own account unless KAZOO_ACCOUNT_ID points at another one.
        self._account = account_digest(self.name, base_url.rstrip("/"), account_id or api_key)

    @property
    def account(self) -> str:
        return self._account

    @classmethod
    def from_settings(
        cls, settings: Settings, *, http: httpx.AsyncClient, redis: RedisClient, **_: Any
    ) -> KazooProvider | None:
        """Enabled by KAZOO_BASE_URL + KAZOO_API_KEY; KAZOO_ACCOUNT_ID else the key's own account;
        KAZOO_USE_LOCAL_RESOURCES chooses the carriers forwards leave through."""
        if not settings.kazoo_base_url or settings.kazoo_api_key is None:
            return None
        return cls(
            http=http,
            redis=redis,
            base_url=settings.kazoo_base_url,
            api_key=settings.kazoo_api_key.get_secret_value(),
            account_id=settings.kazoo_account_id,
            use_local_resources=settings.kazoo_use_local_resources,
        )

    # -- search ----------------------------------------------------------------------------

    async def search(self, query: SearchQuery) -> list[Offer]:
        """Numbers whose national number starts with the pattern (at least 3 digits: Kazoo has
        no search without a prefix, so none is sent and the user is asked for an area code)."""
        pattern = query.pattern or ""
        shortest, longest = PREFIX_LENGTH
        if len(pattern) < shortest:
            raise NotSupported(
                self.label,
                f"a search needs the first {shortest} or more digits of the national number "
                "(an area code), e.g. `/number search US 415`",
            )
        params = {
            "prefix": pattern[:longest],  # a longer pattern is matched below
            "quantity": min(max(query.limit, 1), MAX_QUANTITY),
            "offset": 0,
            "country": query.country,
        }
        start = f"+{calling_code(query.country)}{pattern}"
        action = f"searching {query.country} numbers"
        response = await self._api.request("GET", "/v2/phone_numbers", params=params, action=action)
        if not succeeded(response):
            self._api.fail(response, action)
        found = json_object(response).get("data")
        offers: list[Offer] = []
        for raw in found if isinstance(found, list) else []:
            e164 = e164_of(raw.get("number") or raw.get("e164")) if isinstance(raw, Mapping) else None
            if e164 is None or not e164.startswith(start) or country_of(e164) not in (query.country, None):
                continue
            kind = _type_of(e164)
            if query.type is not None and kind not in (query.type, None):
                continue
            offers.append(
                Offer(provider=self.name, e164=e164, country=query.country, type=kind, features=_FEATURES)
            )  # no monthly or setup cost: Kazoo's search has none (shown as unknown)
        return offers[: query.limit]

    # -- reading the account -----------------------------------------------------------------

    def _owned(self, e164: str, raw: Mapping[str, Any], route: Route | None) -> OwnedNumber:
        details = {"Kazoo state": _state(raw)}
        if route is not None and route.name:
            details["Kazoo callflow"] = route.name
        return OwnedNumber(
            provider=self.name,
            e164=e164,
            country=country_of(e164),
            type=_type_of(e164),
            features=_FEATURES,
            forward_to=route.forward_to if route is not None else None,
            details=details,
            e911=kazoo_e911(raw),
            cnam=kazoo_cnam(raw),
        )

    async def _number(self, e164: str) -> dict[str, Any] | None:
        """The account's record of one number; None when the account does not have it."""
        action = f"looking up {e164}"
        response = await self._api.request("GET", _number_path(e164), action=action)
        if response.status_code == 404:  # bad_identifier: not (or no longer) on the account
            return None
        if not succeeded(response):
            self._api.fail(response, action)
        data = json_object(response).get("data")
        return data if isinstance(data, dict) and _state(data) in ON_ACCOUNT else None

    async def list(self) -> list[OwnedNumber]:
        numbers: dict[str, Mapping[str, Any]] = {}
        pages = await self._api.pages("/v2/accounts/{account}/phone_numbers", action="listing the account's numbers")
        for page in pages:
            listed = page.get("numbers") if isinstance(page, Mapping) else None
            for number, raw in listed.items() if isinstance(listed, Mapping) else ():
                e164 = e164_of(number)
                if e164 is not None and isinstance(raw, Mapping) and _state(raw) in ON_ACCOUNT:
                    numbers[e164] = raw
        routes = await self._callflows.routes(set(numbers))
        return [self._owned(e164, raw, routes.get(e164)) for e164, raw in numbers.items()]

    async def get(self, e164: str) -> OwnedNumber | None:
        raw = await self._number(e164)
        if raw is None:
            return None
        return self._owned(e164, raw, (await self._callflows.routes({e164})).get(e164))

    async def owned_now(self, offer: Offer) -> OwnedNumber | None:
        """Bought means in service on the account (a reserved number is not bought yet; 409
        number_exists for one in service on the account is bought)."""
        raw = await self._number(offer.e164)
        return self._bought(offer) if raw is not None and _state(raw) == "in_service" else None

    # -- changes -----------------------------------------------------------------------------

    def _bought(self, offer: Offer) -> OwnedNumber:
        return owned_from_offer(offer, details={"Kazoo state": "in_service"})

    async def _activate(self, offer: Offer, *, accept: bool) -> httpx.Response:
        body: dict[str, Any] = {"data": {}}
        if accept:
            body["accept_charges"] = True
        path = _number_path(offer.e164) + "/activate"
        return await self._api.request("PUT", path, body=body, action=f"buying {offer.e164}", write=True)

    async def buy(self, order: Order, progress: Progress) -> OwnedNumber:
        offer = order.offer
        action = f"buying {offer.e164}"
        try:
            response = await self._activate(offer, accept=False)
            if response.status_code == 402:
                # Kazoo names the charges; they are accepted only by the click that showed them,
                # and only if Kazoo still asks no more than that.
                charges = _charges(response)
                asked = charges.money
                if asked is None or not _covers(order.accepted_charges, asked):
                    raise ChargesRequired(self.label, asked, charges.detail)
                await progress.save(kazoo_accepting=asked.display())
                response = await self._activate(offer, accept=True)
                if response.status_code == 402:
                    charges = _charges(response)
                    raise ChargesRequired(self.label, charges.money, charges.detail)
        except OutcomeUnknown:
            return await settle_buy(self, offer, f"{action} got no answer", definite=False)
        if succeeded(response):
            return self._bought(offer)
        if response.status_code in (403, 429):  # not acted on (a 401 was already retried)
            self._api.fail(response, action)
        # Kazoo's own error envelope (or any 4xx) is an answer; a bare 5xx from a proxy is not.
        definite = response.status_code < 500 or json_object(response).get("status") == "error"
        return await settle_buy(self, offer, f"could not buy {offer.e164}: {reason(response)}", definite=definite)

    async def forward(self, e164: str, destination: str) -> None:
        """The number's callflow sends calls out to `destination` (made, or its to_did changed)."""
        if await self._number(e164) is None:
            raise ProviderRefused(self.label, f"{e164} is not on the Kazoo account")
        route = (await self._callflows.routes({e164})).get(e164)
        if route is not None and not route.replaceable:
            raise ProviderRefused(
                self.label,
                f"{e164} is routed by the Kazoo callflow “{route.name or route.callflow_id}”, which does more than "
                f"forward; change it in Kazoo, or take {e164} out of it and forward again",
            )
        action = f"forwarding {e164}"
        try:
            response = await self._callflows.forward(e164, destination, route, action=action)
        except OutcomeUnknown:
            return await settle_forward(self, e164, destination, action)
        if not succeeded(response):
            self._api.fail(response, f"forwarding {e164}")

    async def send_sms(self, e164: str, destination: str, text: str) -> SentSms:
        """Crossbar's SMS API: the message is queued for the cluster's SMS carriers and its
        document id answered (201); sent once, never repeated."""
        action = f"sending an SMS from {e164}"
        body = {"data": {"from": e164, "to": destination, "body": text}}
        try:
            response = await self._api.request(
                "PUT", "/v2/accounts/{account}/sms", body=body, action=action, write=True
            )
        except OutcomeUnknown:
            raise OutcomeUnknown(self.label, f"{action} got no answer; it may have been sent") from None
        if not succeeded(response):
            self._api.fail(response, action)
        data = json_object(response).get("data")
        sms_id = str(data.get("id") or "") if isinstance(data, Mapping) else ""
        return SentSms(message_ids=(sms_id,) if sms_id else ())

    async def release(self, e164: str, progress: Progress) -> None:
        """Give the number back, then remove the bot's callflow for it. A number no longer on
        the account (404 bad_identifier) counts as released."""
        route = (await self._callflows.routes({e164})).get(e164)
        # Only the bot's own callflow, and only while it routes nothing else, is removed.
        callflow = route.callflow_id if route is not None and route.ours and len(route.listed) == 1 else None
        if callflow:  # so that whoever finishes this release can remove it too
            await progress.save(kazoo_callflow=callflow)
        if await self._number(e164) is None:
            await self._callflows.drop(callflow)
            return
        action = f"releasing {e164}"
        response = await self._api.request("DELETE", _number_path(e164), action=action, write=True)
        if not succeeded(response) and response.status_code != 404:
            if response.status_code in (403, 429):
                self._api.fail(response, action)
            try:
                still_there = await self._number(e164)
            except ProviderError:
                failure = f"{action} failed ({reason(response)}) and could not be checked"
                raise OutcomeUnknown(self.label, failure) from None
            if still_there is not None:
                raise ProviderRefused(self.label, f"could not release {e164}: {reason(response)}")
        await self._callflows.drop(callflow)

    async def check_release(self, e164: str, progress: Progress) -> bool:
        gone = await self._number(e164) is None
        if gone:
            callflow = progress.state.get("kazoo_callflow")
            await self._callflows.drop(callflow if isinstance(callflow, str) else None)
        return gone
