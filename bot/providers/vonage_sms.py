"""Vonage text messages: the number's inbound SMS webhook, the SMS API, and signed webhooks.

Routing sets the number's ``moHttpUrl`` with ``POST /number/update``, which replaces the
number's settings with what it is sent: the adapter re-sends the application, status and
messages callbacks and the voice callback it reads from ``/account/numbers``
(``VonageProvider._update_form``), so routing SMS never drops a forward or an application.

Sending is the SMS API, ``POST /sms/json`` on rest.nexmo.com, form-encoded (``from``, ``to``,
``text``, ``type`` = ``unicode`` when the text leaves the GSM 03.38 alphabet) with HTTP Basic
auth as Vonage's own SDK sends it. Its answer is HTTP 200 with ``message-count`` and one entry
per part: ``status`` "0" and ``message-id``/``message-price`` (EUR, the account currency) when
accepted, else ``error-text``. A send is never repeated: a lost answer may have been sent.

Inbound SMS arrive as POST form fields or JSON (``msisdn`` the sender, ``to``, ``messageId``,
``text``, ``type``, ``message-timestamp`` in UTC, and ``concat``/``concat-ref``/``concat-total``/
``concat-part`` for a long message's parts). When VONAGE_SIGNATURE_SECRET is set the account
signs them (``sig``, with ``timestamp`` and ``nonce``): every parameter but ``sig``, sorted by
name, each value with ``&`` and ``=`` replaced by ``_``, joined as ``&name=value``; "MD5 hash"
(the dashboard's default) is the MD5 of that string followed by the secret, the others
(MD5/SHA-1/SHA-256/SHA-512 HMAC) its HMAC keyed by the secret. Whichever the dashboard chose is
accepted, compared in constant time; a signature older than Vonage's 24 hours of retries is not.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from bot.errors import OutcomeUnknown, ProviderAuthError, ProviderRefused
from bot.models import Money
from bot.phone import to_e164
from bot.providers.http import json_object
from bot.sms_models import InboundSms, SentSms, SmsWebhook, WebhookRefused, WebhookRequest

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_AGE", "VonageSms", "gsm7", "signature", "signature_matches"]

CURRENCY = "EUR"  # the account currency, as for number prices (bot.providers.vonage)
MAX_AGE = 25 * 3600  # Vonage retries an unanswered webhook for 24 hours
FUTURE_SKEW = 300
_METHODS: dict[str, Callable[..., Any] | None] = {
    "md5hash": None,
    "md5": hashlib.md5,
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\f"
)


def gsm7(text: str) -> bool:
    """Whether `text` fits the GSM 03.38 alphabet (else it must go as `unicode`)."""
    return all(ch in _GSM7 for ch in text)


def signature(params: dict[str, str], secret: str, method: str = "md5hash") -> str:
    """Vonage's signature of `params` (without `sig`), lower-case hex (see the module docstring)."""
    joined = "".join(
        f"&{name}={params[name].replace('&', '_').replace('=', '_')}" for name in sorted(params) if name != "sig"
    )
    digest = _METHODS[method]
    if digest is None:
        return hashlib.md5((joined + secret).encode(), usedforsecurity=False).hexdigest()
    return hmac.new(secret.encode(), joined.encode(), digest).hexdigest()


def signature_matches(params: dict[str, str], secret: str) -> bool:
    """`sig` matches under one of the methods Vonage's dashboard offers (constant-time compares)."""
    given = params.get("sig", "").strip().lower().encode()
    if not given:
        return False
    found = False
    for method in _METHODS:  # every method is computed, so the time says nothing of which matched
        found |= hmac.compare_digest(given, signature(params, secret, method).encode())
    return found


def _params(request: WebhookRequest) -> dict[str, str]:
    """The webhook's own fields (the bot's `team`/`number` in the URL are not Vonage's)."""
    if request.content_type == "application/json":
        body = request.json()
        if not isinstance(body, dict):
            raise WebhookRefused(400, "malformed")
        return {str(k): "true" if v is True else "false" if v is False else str(v) for k, v in body.items()}
    return request.form()


def _received(params: dict[str, str]) -> datetime:
    try:
        return datetime.strptime(params.get("message-timestamp", ""), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return datetime.now(UTC)


def _fresh(params: dict[str, str], now: float) -> bool:
    try:
        stamp = float(params.get("timestamp", ""))
    except ValueError:
        return False
    return now - MAX_AGE <= stamp <= now + FUTURE_SKEW


def parse_inbound(request: WebhookRequest, *, secret: str | None, now: float) -> SmsWebhook:
    """An inbound SMS webhook; with a secret, only a fresh, correctly signed one."""
    params = _params(request)
    if secret is not None:
        if not signature_matches(params, secret):
            raise WebhookRefused(401, "bad-signature")
        if not _fresh(params, now):
            raise WebhookRefused(401, "stale-signature")
    to = to_e164(params.get("to", ""))
    sender = params.get("msisdn", "").strip()
    message_id = params.get("messageId", "").strip()
    if to is None or not sender or not message_id:
        raise WebhookRefused(400, "malformed")
    text = params.get("text", "") if params.get("type", "text") != "binary" else "(a binary message, not shown)"
    part = None
    if params.get("concat") == "true":
        try:
            part = (params["concat-ref"], int(params["concat-part"]), int(params["concat-total"]))
        except (KeyError, ValueError):
            raise WebhookRefused(400, "malformed") from None
    message = InboundSms(
        provider="vonage",
        message_id=message_id,
        sender=(to_e164(sender) or sender) if sender.isdigit() else sender,
        to=to,
        text=text,
        received_at=_received(params),
        part=part,
    )
    return SmsWebhook(messages=(message,), signed=secret is not None)


def read_sent(label: str, response: httpx.Response) -> SentSms:
    """The SMS API's answer: every part accepted, or the first part's reason."""
    body = json_object(response)
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    if not messages:
        raise OutcomeUnknown(label, "the SMS API's answer could not be read; the SMS may have been sent")
    failed = [m for m in messages if str(m.get("status")) != "0"]
    if failed:
        status = str(failed[0].get("status"))
        if status in ("4", "14"):  # invalid credentials / invalid signature
            raise ProviderAuthError(label)
        reason = " ".join(str(failed[0].get("error-text") or "refused").split())[:200]
        sent = len(messages) - len(failed)
        partly = f" ({sent} of {len(messages)} parts were sent)" if sent else ""
        raise ProviderRefused(label, f"could not send the SMS: {reason} (status {status}){partly}")
    price: Decimal | None = Decimal(0)
    for message in messages:
        try:
            price = price + Decimal(str(message["message-price"])) if price is not None else None
        except (KeyError, InvalidOperation):
            price = None
    return SentSms(
        message_ids=tuple(str(m.get("message-id", "")) for m in messages),
        price=Money(amount=price, currency=CURRENCY) if price is not None else None,
    )


class VonageSms:
    """The SMS half of VonageProvider (its `_lookup`, `_update_form`, `_write` and wire checks)."""

    label: ClassVar[str]
    signature_secret: str | None = None  # VONAGE_SIGNATURE_SECRET: webhooks are signed, no URL token
    clock: Callable[[], float] = staticmethod(time.time)

    @property
    def webhook_signed(self) -> bool:
        return self.signature_secret is not None

    async def route_sms(self, e164: str, url: str | None) -> str | None:
        raw = await self._lookup(e164)  # type: ignore[attr-defined]
        if raw is None:
            raise ProviderRefused(self.label, f"{e164} is not on the Vonage account")
        form = self._update_form(raw, moHttpUrl=url)  # type: ignore[attr-defined]
        action = f"setting the SMS webhook of {e164}"
        try:
            response = await self._write("/number/update", form, action=action)  # type: ignore[attr-defined]
        except OutcomeUnknown:
            again = await self._lookup(e164)  # type: ignore[attr-defined]
            if again is not None and (again.get("moHttpUrl") or None) == url:
                return _note(raw)
            raise
        if not (response.status_code == 200 and str(json_object(response).get("error-code", "")) == "200"):
            self._raise_for_auth_or_outage(response, action)  # type: ignore[attr-defined]
            label = json_object(response).get("error-code-label") or f"HTTP {response.status_code}"
            raise ProviderRefused(self.label, f"could not set the SMS webhook of {e164}: {label}")
        return _note(raw) if url else None

    async def send_sms(self, e164: str, destination: str, text: str) -> SentSms:
        form = {
            "from": e164.removeprefix("+"),
            "to": destination.removeprefix("+"),
            "text": text,
            "type": "text" if gsm7(text) else "unicode",
        }
        action = f"sending an SMS from {e164}"
        try:
            response = await self._write("/sms/json", form, action=action)  # type: ignore[attr-defined]
        except OutcomeUnknown:
            raise OutcomeUnknown(self.label, f"{action} got no answer; it may have been sent") from None
        if response.status_code != 200:
            self._raise_for_auth_or_outage(response, action)  # type: ignore[attr-defined]
        return read_sent(self.label, response)

    def read_sms_webhook(self, request: WebhookRequest) -> SmsWebhook:
        return parse_inbound(request, secret=self.signature_secret, now=self.clock())


def _note(raw: dict[str, Any]) -> str | None:
    """Where Vonage may send the number's messages instead of its SMS webhook."""
    if raw.get("messagesCallbackValue") or raw.get("app_id"):
        return (
            "The number is linked to a Vonage application; if the account receives SMS through the "
            "Messages API, they go to that application instead of the bot (the link was kept)."
        )
    return None
