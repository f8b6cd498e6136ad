"""Inbound SMS webhooks: verified, deduplicated and queued in Redis, answered at once.

`POST /webhooks/<provider>/sms?team=…&number=…[&token=…]`: the team and number say which
route to look at; the route's token, compared in constant time, is the verification for every
provider that does not sign (Flowroute, Azure, the sandbox), and the provider's signature for
one that does (Vonage with VONAGE_SIGNATURE_SECRET). Anything unverified is refused (401, 403 or
404), counted in Redis by provider and reason, and logged without its body. What is accepted is
queued in one Lua step (bot/sms_store.py); posting to Slack happens after the answer
(bot/sms_delivery.py), so the provider is answered in milliseconds whatever Slack does.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.models import new_id
from bot.phone import to_e164
from bot.providers.base import NumberProvider
from bot.providers.registry import ProviderSet
from bot.sms_models import InboundSms, Queued, SmsRoute, SmsWebhook, WebhookRefused, WebhookRequest
from bot.sms_store import RETENTION_MS, SmsStore

__all__ = ["SmsInbox", "WebhookAnswer"]

log = logging.getLogger(__name__)

_TEAM = re.compile(r"^[A-Z0-9]{2,32}$")
_NUMBER = re.compile(r"^\d{6,15}$")
_STATUS = {"queued": 200, "duplicate": 200, "partial": 200, "full": 503, "unrouted": 404}


@dataclass(frozen=True)
class WebhookAnswer:
    """What the provider is answered, and the (team, number) queues to post after answering."""

    status: int
    body: dict[str, Any]
    drain: tuple[tuple[str, str], ...] = field(default=())
    headers: dict[str, str] = field(default_factory=dict)


class SmsInbox:
    def __init__(
        self,
        *,
        providers: ProviderSet,
        store: SmsStore,
        reveal_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.providers = providers
        self.store = store
        self.reveal_seconds = reveal_seconds
        self.clock = clock

    async def receive(self, provider_name: str, request: WebhookRequest) -> WebhookAnswer:
        """Answer one webhook; a refusal is counted and logged (never with what it carried)."""
        try:
            return await self._receive(provider_name, request)
        except WebhookRefused as exc:
            known = provider_name if provider_name in self.providers else "unknown"
            await self.store.count_refusal(known, exc.reason)
            log.warning("webhook refused", extra={"provider": known, "status": exc.status, "reason": exc.reason})
            return WebhookAnswer(exc.status, {"error": exc.reason})

    async def _receive(self, provider_name: str, request: WebhookRequest) -> WebhookAnswer:
        provider = self.providers.get(provider_name)
        if provider is None or not provider.capabilities.sms_in:
            raise WebhookRefused(404, "unknown-provider")
        team, digits = request.query.get("team", ""), request.query.get("number", "")
        e164 = to_e164(digits) if _NUMBER.match(digits) else None
        if not _TEAM.match(team) or e164 is None:
            raise WebhookRefused(404, "unknown-route")
        route, raw = await self.store.route(team, e164)
        if not provider.webhook_signed:
            _check_token(provider, route, request)  # before the body is even read
        webhook = provider.read_sms_webhook(request)
        if provider.webhook_signed:
            _check_signed(provider, route, webhook)
        assert route is not None
        if webhook.reply is not None or webhook.reply_headers:  # a handshake (Azure's validations)
            return WebhookAnswer(200, webhook.reply or {}, headers=webhook.reply_headers)
        if any(message.to != e164 for message in webhook.messages):
            raise WebhookRefused(403, "wrong-number")
        results = [
            await self._queue(provider, team, e164, message, request, route, raw) for message in webhook.messages
        ]
        status = max((_STATUS[r] for r in results), default=200)
        if status == 404:
            raise WebhookRefused(404, "unrouted")
        drain = ((team, e164),) if "queued" in results else ()
        return WebhookAnswer(status, {"received": len(results)}, drain=drain)

    async def _queue(
        self,
        provider: NumberProvider,
        team: str,
        e164: str,
        message: InboundSms,
        request: WebhookRequest,
        route: SmsRoute,
        raw: str,
    ) -> str:
        queued = Queued(
            id=new_id(),
            provider=provider.name,
            message_id=message.message_id,
            sender=message.sender,
            to=e164,
            received_at=message.received_at,
            arrived_at=datetime.fromtimestamp(self.clock(), UTC),
        )
        for _ in range(3):
            text_ms = self.reveal_seconds * 1000 if route.private else RETENTION_MS
            result = await self.store.receive(
                team,
                message,
                route_raw=raw,
                private=route.private,
                queued=queued,
                now_ms=int(self.clock() * 1000),
                text_ms=text_ms,
            )
            if result != "changed":
                return result
            fresh, raw = await self.store.route(team, e164)  # re-routed meanwhile: check again
            if not provider.webhook_signed:
                _check_token(provider, fresh, request)
            if fresh is None or fresh.provider != provider.name:
                return "unrouted"
            route = fresh
        return "full"  # the route keeps changing: let the provider try again


def _check_token(provider: NumberProvider, route: SmsRoute | None, request: WebhookRequest) -> None:
    if route is None or route.provider != provider.name:
        raise WebhookRefused(404, "unrouted")
    given = request.query.get("token", "")
    if not hmac.compare_digest(given.encode(), route.token.encode()):
        raise WebhookRefused(403, "bad-token")


def _check_signed(provider: NumberProvider, route: SmsRoute | None, webhook: SmsWebhook) -> None:
    if not webhook.signed:
        raise WebhookRefused(401, "unsigned")
    if route is None or route.provider != provider.name:
        raise WebhookRefused(404, "unrouted")
