"""Azure text messages: SMS received through Azure Event Grid (receive only).

Azure Communication Services publishes ``Microsoft.Communication.SMSReceived`` events to Event
Grid; the number itself has no webhook the bot could set. So routing changes nothing at Azure:
the deployment creates an Event Grid subscription on the Communication Services resource for
that event type, delivering to the webhook URL the bot shows (with its per-number token),
filtered to the number (subject ``/phonenumber/<digits>``); the bot says so when routing.

Deliveries use the Event Grid event schema: a JSON array of events, each with ``id``,
``eventType``, ``subject`` and ``data``. An SMSReceived event's data carries ``messageId``,
``from``, ``to``, ``message``, ``receivedTimestamp`` (Azure's examples write them in camelCase
and in PascalCase; both are read). When the subscription is created Event Grid first sends a
``Microsoft.EventGrid.SubscriptionValidationEvent`` whose ``data.validationCode`` must be
answered as ``{"validationResponse": code}`` (the synchronous handshake); the bot answers it
only on a URL whose token checks. A subscription that delivers in the CloudEvents v1.0 schema
posts the same events one by one (``application/cloudevents+json``: ``type`` for ``eventType``)
or as an array (``cloudevents-batch+json``), and validates the URL with CloudEvents' abuse
protection instead: an ``OPTIONS`` request carrying ``WebHook-Request-Origin``, answered with
``WebHook-Allowed-Origin`` naming that origin (again only on a URL whose token checks).
Event Grid signs nothing: the token is the verification.
Sending SMS through Azure is not done by the bot.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar

from bot.phone import to_e164
from bot.sms_models import InboundSms, SmsWebhook, WebhookRefused, WebhookRequest

__all__ = ["RECEIVED", "VALIDATION", "AzureSms", "parse_events"]

RECEIVED = "Microsoft.Communication.SMSReceived"
_ORIGIN = re.compile(r"[A-Za-z0-9.-]{1,253}")  # a host name (Event Grid sends eventgrid.azure.net)
VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent"


def _field(data: dict[str, Any], name: str) -> str:
    """A data field in either case style Azure documents (`messageId` / `MessageId`)."""
    for key, value in data.items():
        if key.lower() == name.lower():
            return str(value or "")
    return ""


def _when(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00")[:32])
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_events(request: WebhookRequest) -> SmsWebhook:
    """An Event Grid delivery: a validation handshake, or the SMSReceived events in it."""
    if request.method == "OPTIONS":
        origin = request.headers.get("webhook-request-origin", "")
        if not _ORIGIN.fullmatch(origin):
            raise WebhookRefused(400, "malformed")
        return SmsWebhook(reply_headers={"WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*"})
    body = request.json()
    events = body if isinstance(body, list) else [body]
    messages: list[InboundSms] = []
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise WebhookRefused(400, "malformed")
        kind, data = str(event.get("eventType") or event.get("type") or ""), event["data"]
        if kind == VALIDATION:
            code = _field(data, "validationCode")
            if not code:
                raise WebhookRefused(400, "malformed")
            return SmsWebhook(reply={"validationResponse": code})
        if kind != RECEIVED:
            continue  # delivery reports and other events the subscription may include
        to, sender, message_id = (_field(data, k) for k in ("to", "from", "messageId"))
        number = to_e164(to)
        if number is None or not sender or not message_id:
            raise WebhookRefused(400, "malformed")
        messages.append(
            InboundSms(
                provider="azure",
                message_id=message_id,
                sender=to_e164(sender) or sender,
                to=number,
                text=_field(data, "message"),
                received_at=_when(_field(data, "receivedTimestamp")),
            )
        )
    return SmsWebhook(messages=tuple(messages))


class AzureSms:
    """The SMS half of AzureProvider: receive only, set up by the deployment in Event Grid."""

    label: ClassVar[str]
    sms_missing: ClassVar[str] = "the bot receives Azure SMS through Event Grid but does not send them"

    async def route_sms(self, e164: str, url: str | None) -> str | None:
        digits = e164.removeprefix("+")
        if url is None:
            return (
                f"Azure: delete the Event Grid subscription that delivers SMS for {e164} to the bot; "
                "until then they are refused."
            )
        return (
            "Azure: on the Communication Services resource, add an Event Grid subscription (Events → "
            "Event Subscription) for the event type SMS Received, endpoint type Web Hook with the URL below, "
            f"and a subject filter ending with /phonenumber/{digits}. Event Grid validates the URL with the bot."
        )

    def read_sms_webhook(self, request: WebhookRequest) -> SmsWebhook:
        return parse_events(request)
