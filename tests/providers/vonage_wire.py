"""Vonage's side of the wire, for respx: real paths, real payload shapes, an Account behind them.

Shared by the contract subclass (tests/providers/vonage/test_contract.py) and the signed-request
scenarios (tests/handlers/test_vonage_flow.py). Shapes follow Vonage's Numbers API reference:
``/number/search`` and ``/account/numbers`` answer ``{"count": N, "numbers": [...]}`` (no
``numbers`` key on an empty page), msisdns without ``+``, ``cost`` a string; writes answer
``{"error-code": "200", "error-code-label": "success"}`` or HTTP 420 with an error label.

``/number/search`` takes ``features`` only as the reference lists it (``SMS``, ``VOICE``,
``SMS,VOICE``, ``MMS``, ``SMS,MMS``, ``VOICE,MMS``, ``SMS,MMS,VOICE``) and filters by it, by
``type`` and by ``pattern``. ``/number/update`` replaces the number's settings with what is
sent: ``app_id``, ``moHttpUrl``, ``voiceStatusCallback`` and the messages callback left out
are cleared; ``voiceCallbackType``/``Value`` and ``messagesCallbackType``/``Value`` must
come in pairs. ``/account/numbers`` reports those settings (``settings`` by number). The
reference documents no error body for a malformed parameter; the mock answers it like any
refused request, HTTP 420 with Vonage's ``error-code``/``error-code-label`` envelope.

The Account API's ``GET /account/get-balance`` answers ``{"value": 10.28, "autoReload": false}``
(the balance in EUR, a JSON number), with Basic auth like the Numbers API.
The SMS API (``POST /sms/json``, form-encoded) answers HTTP 200 with ``message-count`` and one
entry per part (160 GSM characters, or 70 for ``type=unicode``, in one part; 153 or 67 a part
beyond): ``status`` "0", ``message-id``, ``message-price``, ``remaining-balance``, ``network``;
a refusal is a part with another ``status`` and its ``error-text`` (2 missing parameters, 3
invalid parameters), still HTTP 200, as in Vonage's SDK's recorded answers.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx
import respx

from bot.models import NumberType
from bot.phone import to_e164
from tests.providers.contract import Account, Listing

__all__ = ["API_KEY", "API_SECRET", "BASE_URL", "VonageWire", "form_of", "sms_parts"]

BASE_URL = "https://rest.nexmo.com"
API_KEY = "vk-contract-key"
API_SECRET = "vs-contract-secret-5f2a"

TYPES = {NumberType.local: "landline", NumberType.mobile: "mobile-lvn", NumberType.tollfree: "landline-toll-free"}
FEATURES = {"voice": "VOICE", "sms": "SMS", "mms": "MMS"}
OK = {"error-code": "200", "error-code-label": "success"}
METHOD_FAILED = {"error-code": "420", "error-code-label": "method failed"}
AUTH_FAILED = {"error-code": "401", "error-code-label": "authentication failed"}
SEARCH_FEATURES = ("SMS", "VOICE", "SMS,VOICE", "MMS", "SMS,MMS", "VOICE,MMS", "SMS,MMS,VOICE")
# What /number/update sets (and clears when left out), and what /account/numbers reports.
SETTINGS = ("app_id", "moHttpUrl", "voiceStatusCallback", "messagesCallbackType", "messagesCallbackValue")
PAIRS = (("voiceCallbackType", "voiceCallbackValue"), ("messagesCallbackType", "messagesCallbackValue"))
VOICE_TYPES = ("sip", "tel", "app")


def form_of(request: httpx.Request) -> dict[str, str]:
    """The form fields of a form-encoded POST (one value each)."""
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    return {k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}


def basic_auth(key: str = API_KEY, secret: str = API_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def authorised(request: httpx.Request) -> None:
    """Every Vonage call carries the account's HTTP Basic credentials (never in the URL)."""
    assert request.headers["authorization"] == basic_auth()


def sms_parts(text: str, unicode: bool) -> int:
    single, part = (70, 67) if unicode else (160, 153)
    return 1 if len(text) <= single else -(-len(text) // part)


def _sms_error(status: str, text: str) -> httpx.Response:
    return httpx.Response(200, json={"message-count": "1", "messages": [{"status": status, "error-text": text}]})


def available(listing: Listing) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "country": listing.country,
        "msisdn": listing.digits,
        "type": TYPES[listing.type] if listing.type else "landline",
        "features": sorted(FEATURES[f.value] for f in listing.features),
    }
    if listing.monthly is not None:
        raw["cost"] = str(listing.monthly)
    return raw


def refused(label: str) -> httpx.Response:
    return httpx.Response(420, json={"error-code": "420", "error-code-label": label})


def _matches(msisdn: str, pattern: str | None, how: str) -> bool:
    if not pattern:
        return True
    return {"0": msisdn.startswith, "1": lambda p: p in msisdn, "2": msisdn.endswith}[how](pattern)


class VonageWire:
    """Installs Vonage routes on a respx router; every answer renders `account` when asked."""

    def __init__(self, router: respx.MockRouter, account: Account) -> None:
        self.router = router
        self.account = account
        self.settings: dict[str, dict[str, str]] = {}  # a number's settings besides a tel forward
        self.balance = Decimal("42.00")  # the account's credit, in EUR

    # -- reads -----------------------------------------------------------------------------

    def owned(self, listing: Listing) -> dict[str, Any]:
        """A number as /account/numbers shows it: no price; its webhooks, application and callbacks."""
        raw = available(listing)
        raw.pop("cost", None)
        raw.update(self.settings.get(listing.e164, {}))
        if listing.forward_to:
            raw["voiceCallbackType"] = "tel"
            raw["voiceCallbackValue"] = listing.forward_to.removeprefix("+")
        return raw

    def account_page(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        index, size = int(params.get("index", "1")), int(params.get("size", "10"))
        chosen = [
            n
            for n in self.account.numbers()
            if _matches(n.digits, params.get("pattern"), params.get("search_pattern", "0"))
        ]
        page = chosen[(index - 1) * size : index * size]
        body: dict[str, Any] = {"count": len(chosen)}
        if page:  # Vonage leaves `numbers` out of an empty page
            body["numbers"] = [self.owned(n) for n in page]
        return httpx.Response(200, json=body)

    def mock_account(self) -> respx.Route:
        """The account's numbers (returned) and its balance."""
        self.mock_balance()
        return self.router.get("/account/numbers").mock(side_effect=self.account_page)

    def mock_balance(self) -> respx.Route:
        def balance(request: httpx.Request) -> httpx.Response:
            if request.url.params:  # the credentials travel in the Authorization header, never the URL
                return httpx.Response(401, json=AUTH_FAILED)
            return httpx.Response(200, json={"value": float(self.balance), "autoReload": False})

        return self.router.get("/account/get-balance").mock(side_effect=balance)

    def mock_search(self, listings: list[Listing]) -> respx.Route:
        """For sale: `listings`, of which a search gets those matching its filters."""

        def search(request: httpx.Request) -> httpx.Response:
            params = request.url.params
            features = params.get("features")
            if features is not None and features not in SEARCH_FEATURES:
                return refused(f"invalid features: {features}")
            found = [
                raw
                for raw in map(available, listings)
                if raw["country"] == params.get("country")
                and params.get("type") in (None, raw["type"])
                and set((features or "").split(",")) - {""} <= set(raw["features"])
                and _matches(raw["msisdn"], params.get("pattern"), params.get("search_pattern", "0"))
            ]
            body: dict[str, Any] = {"count": len(found)}
            if found:
                body["numbers"] = found[: int(params.get("size", "10"))]
            return httpx.Response(200, json=body)

        return self.router.get("/number/search").mock(side_effect=search)

    # -- writes ----------------------------------------------------------------------------

    def _write(self, path: str, effect: Callable[[dict[str, str]], httpx.Response]) -> respx.Route:
        return self.router.post(path).mock(side_effect=lambda request: effect(form_of(request)))

    def mock_buy(self, listing: Listing | None = None) -> respx.Route:
        """Buying succeeds: the number (as `listing`, or as the form names it) is owned."""

        def buy(form: dict[str, str]) -> httpx.Response:
            e164 = to_e164(form["msisdn"])
            assert e164 is not None
            if e164 in self.account.owned:
                return httpx.Response(420, json=METHOD_FAILED)
            self.account.own(listing if listing is not None else Listing(e164=e164, country=form["country"]))
            return httpx.Response(200, json=OK)

        return self._write("/number/buy", buy)

    def mock_buy_refused(self, label: str = "method failed", status: int = 420) -> respx.Route:
        body = {"error-code": "420", "error-code-label": label}
        return self.router.post("/number/buy").mock(return_value=httpx.Response(status, json=body))

    def mock_buy_lost(self, listing: Listing, *, happened: bool) -> respx.Route:
        def lost(request: httpx.Request) -> httpx.Response:
            if happened:
                self.account.own(listing)
            raise httpx.ReadTimeout("no answer", request=request)

        return self.router.post("/number/buy").mock(side_effect=lost)

    def mock_update(self) -> respx.Route:
        """The number's settings become exactly what is sent (see the module docstring)."""

        def update(form: dict[str, str]) -> httpx.Response:
            e164 = to_e164(form.get("msisdn", ""))
            if e164 not in self.account.owned or not form.get("country"):
                return httpx.Response(420, json=METHOD_FAILED)
            for first, second in PAIRS:
                if bool(form.get(first)) != bool(form.get(second)):
                    return refused(f"{first} and {second} must be sent together")
            voice = form.get("voiceCallbackType")
            if voice and voice not in VOICE_TYPES:
                return refused(f"invalid voiceCallbackType: {voice}")
            kept = {k: form[k] for k in SETTINGS if form.get(k)}
            if voice in ("sip", "app"):
                kept.update(voiceCallbackType=voice, voiceCallbackValue=form["voiceCallbackValue"])
            self.settings[e164] = kept
            target = to_e164(form["voiceCallbackValue"]) or form["voiceCallbackValue"] if voice == "tel" else None
            self.account.owned[e164] = replace(self.account.owned[e164], forward_to=target)
            return httpx.Response(200, json=OK)

        return self._write("/number/update", update)

    def mock_cancel(self) -> respx.Route:
        def cancel(form: dict[str, str]) -> httpx.Response:
            e164 = to_e164(form["msisdn"])
            if e164 is None or self.account.drop(e164) is None:
                return httpx.Response(420, json=METHOD_FAILED)
            return httpx.Response(200, json=OK)

        return self._write("/number/cancel", cancel)

    # -- the SMS API -------------------------------------------------------------------------

    def mock_sms(self, price: str = "0.03330000") -> respx.Route:
        """Sending succeeds: one accepted entry per part, each priced."""

        def send(form: dict[str, str]) -> httpx.Response:
            if not all(form.get(k) for k in ("from", "to", "text")):
                return _sms_error("2", "Missing to param")
            kind = form.get("type", "text")
            if kind not in ("text", "unicode", "binary") or not form["to"].isdigit():
                return _sms_error("3", "Invalid Message type" if kind != "text" else "Invalid to address")
            parts = sms_parts(form["text"], kind == "unicode")
            messages = [
                {
                    "to": form["to"],
                    "message-id": f"0A00000{i:09X}",
                    "status": "0",
                    "remaining-balance": "12.34560000",
                    "message-price": price,
                    "network": "23410",
                }
                for i in range(1, parts + 1)
            ]
            return httpx.Response(200, json={"message-count": str(parts), "messages": messages})

        return self._write("/sms/json", send)

    def mock_sms_refused(self, status: str, text: str) -> respx.Route:
        return self.router.post("/sms/json").mock(return_value=_sms_error(status, text))

    # -- failures --------------------------------------------------------------------------

    def mock_auth_failure(self) -> respx.Route:
        return self.router.route().mock(return_value=httpx.Response(401, json=AUTH_FAILED))
