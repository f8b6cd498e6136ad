"""Flowroute text messages: the number's SMS callback, the Messages v2.1 API, inbound webhooks.

Routing uses Flowroute's per-number messaging callback (Numbers v2): ``POST
/v2/numbers/{id}/relationships/sms_callback`` with ``{"data": {"attributes": {"callback_url":
…}}}`` sets it and ``DELETE`` on the same path removes it, both answering 204; numbers without
one keep using the account-level ``sms_callback`` (``PUT /v2.1/messages/sms_callback``), which the
bot never touches, so other numbers on the account are not affected.

Sending is ``POST /v2.1/messages`` (JSON:API, ``{"data": {"type": "message", "attributes":
{"to", "from", "body"}}}``, 11-digit North American numbers), answered 202 with the message's
``mdr2-…`` id; v2.1 gives no price. Flowroute messaging is for its US and Canadian long codes
and toll-free numbers, so numbers and destinations outside +1 are refused before asking.

Inbound SMS are POSTed as JSON: Messages v2.1's ``{"data": {"type": "message", "id": "mdr2-…",
"attributes": {"from", "to", "body", "timestamp", "direction": "inbound", …}}}``, or the older flat
``{"to", "from", "body", "id"}``. Flowroute signs nothing, so the bot's URL carries a per-number
token; it resends an unanswered message four times, 30 seconds apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.phone import to_e164
from bot.providers.flowroute_jsonapi import error_reason, number_id, parse_document, route_value
from bot.sms_models import InboundSms, SentSms, SmsWebhook, WebhookRefused, WebhookRequest

if TYPE_CHECKING:
    import httpx

__all__ = ["FlowrouteSms", "parse_inbound"]


def _when(raw: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_inbound(request: WebhookRequest) -> SmsWebhook:
    """One inbound SMS, in the v2.1 JSON:API form or the older flat one."""
    body = request.json()
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        attributes: Any = data.get("attributes") or {}
        message_id = data.get("id")
    elif isinstance(body, dict):
        attributes, message_id = body, body.get("id")
    else:
        raise WebhookRefused(400, "malformed")
    if not isinstance(attributes, dict) or attributes.get("direction", "inbound") != "inbound":
        raise WebhookRefused(400, "malformed")
    to = to_e164(str(attributes.get("to") or ""))
    sender = str(attributes.get("from") or "").strip()
    if to is None or not sender or not message_id:
        raise WebhookRefused(400, "malformed")
    message = InboundSms(
        provider="flowroute",
        message_id=str(message_id),
        sender=to_e164(sender) or sender,
        to=to,
        text=str(attributes.get("body") or ""),
        received_at=_when(attributes.get("timestamp")),
    )
    return SmsWebhook(messages=(message,))


class FlowrouteSms:
    """The SMS half of FlowrouteProvider (its `_send` and `_raise_for_status`)."""

    label: ClassVar[str]

    def _north_american(self, e164: str, what: str) -> str:
        digits = route_value(e164)
        if digits is None:
            raise ProviderRefused(self.label, f"Flowroute messaging works with +1 numbers only, not {what} {e164}")
        return digits

    async def route_sms(self, e164: str, url: str | None) -> str | None:
        self._north_american(e164, "the number")
        path = f"/v2/numbers/{number_id(e164)}/relationships/sms_callback"
        action = f"setting the SMS callback of {e164}" if url else f"removing the SMS callback of {e164}"
        payload = {"data": {"attributes": {"callback_url": url}}} if url else None
        try:
            response = await self._send("POST" if url else "DELETE", path, payload, action=action)  # type: ignore[attr-defined]
        except OutcomeUnknown:
            raise OutcomeUnknown(self.label, f"{action} got no answer; run the command again") from None
        if response.is_success or (url is None and response.status_code == 404):
            return None
        self._check(response, action, e164)
        return None  # pragma: no cover - _check raised

    def _check(self, response: httpx.Response, action: str, e164: str) -> None:
        if response.status_code == 404:
            raise ProviderRefused(self.label, f"{e164} is not on the Flowroute account")
        self._raise_for_status(response, action)  # type: ignore[attr-defined]
        raise ProviderRefused(self.label, f"{action} failed: {error_reason(response)}")

    async def send_sms(self, e164: str, destination: str, text: str) -> SentSms:
        attributes = {
            "to": self._north_american(destination, "the destination"),
            "from": self._north_american(e164, "the number"),
            "body": text,
        }
        action = f"sending an SMS from {e164}"
        try:
            response = await self._send(  # type: ignore[attr-defined]
                "POST", "/v2.1/messages", {"data": {"type": "message", "attributes": attributes}}, action=action
            )
        except OutcomeUnknown:
            raise OutcomeUnknown(self.label, f"{action} got no answer; it may have been sent") from None
        if not response.is_success:
            self._check(response, action, e164)
        data = parse_document(response).get("data")
        message_id = str(data.get("id") or "") if isinstance(data, dict) else ""
        return SentSms(message_ids=(message_id,) if message_id else ())

    def read_sms_webhook(self, request: WebhookRequest) -> SmsWebhook:
        return parse_inbound(request)
