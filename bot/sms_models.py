"""Text messages as they cross module boundaries: webhooks in, SMS out, stored routes.

A message body is a `text` field kept out of every model's repr, so a model that ends up in a
log line or an exception does not carry it. Providers parse their own webhook format into
these (bot/providers/<provider>_sms.py); the rest of the bot sees only these.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ConfigDict, Field

from bot.models import Frozen, Money, SmsRouting

__all__ = [
    "InboundSms",
    "Queued",
    "SentSms",
    "SmsRoute",
    "SmsWebhook",
    "WebhookRefused",
    "WebhookRequest",
]


class WebhookRefused(Exception):
    """A webhook the bot does not accept: answered with `status`, counted under `reason`.

    `reason` is a short word for the counter and the log (`bad-signature`, `malformed`…),
    never anything the request carried.
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"webhook refused ({status} {reason})")
        self.status = status
        self.reason = reason


class WebhookRequest(Frozen):
    """An inbound webhook as the HTTP server received it (query, lower-cased headers, raw body)."""

    method: str = "POST"  # OPTIONS: a CloudEvents abuse-protection handshake (Azure Event Grid)
    query: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    content_type: str = ""
    body: bytes = Field(default=b"", repr=False)

    def form(self) -> dict[str, str]:
        """A form-encoded body's fields (the last value of a repeated field)."""
        try:
            return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise WebhookRefused(400, "malformed") from None

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:  # includes UnicodeDecodeError
            raise WebhookRefused(400, "malformed") from None


class InboundSms(Frozen):
    """One SMS a provider says a number received."""

    provider: str
    message_id: str
    sender: str  # E.164 where it is a number; an alphanumeric sender id as given
    to: str  # E.164: the pool number
    text: str = Field(repr=False)
    received_at: datetime
    part: tuple[str, int, int] | None = None  # one part of a long message: (reference, number, of how many)


class SmsWebhook(Frozen):
    """What a provider's webhook carried: messages, or a handshake to answer (Azure's validations)."""

    messages: tuple[InboundSms, ...] = ()
    reply: dict[str, str] | None = None
    reply_headers: dict[str, str] = Field(default_factory=dict)  # a handshake answered in headers
    signed: bool = False  # its provider's signature was checked and matched


class SentSms(Frozen):
    """A test SMS the provider accepted: its message id(s) (one per part) and price when given."""

    message_ids: tuple[str, ...]
    price: Money | None = None


class SmsRoute(SmsRouting):
    """A number's SMS routing as stored: the display fields plus the provider and its webhook token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    token: str = Field(repr=False)
    by: str
    at: datetime


class Queued(Frozen):
    """A received SMS waiting to be posted, without its text (the text is kept apart, with its expiry)."""

    id: str
    provider: str
    message_id: str
    sender: str
    to: str
    received_at: datetime  # as the provider says
    arrived_at: datetime | None = None  # when the bot got it: its text's expiry counts from here
    channel: str | None = None  # where it was posted, and its message ts, once posted
    ts: str | None = None
