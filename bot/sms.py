"""`sms-to`, `sms` and View message: routing a number's SMS into a channel, test SMS, reveals.

Routing writes the route to Redis first and then points the provider at the bot's webhook, so
nothing the provider sends in between is lost (a failed provider call puts the old route back).
The webhook URL carries the team, the number and, unless the provider signs its webhooks (Vonage
with VONAGE_SIGNATURE_SECRET), the number's random token; the token is kept across re-routings
so a subscription set up by hand (Azure Event Grid) keeps working. Every change is audited,
never with a message's text.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from bot.audit import AuditLog, entry_fields
from bot.errors import BotError, NotFound, NotSupported, StaleAction
from bot.models import Caller, PoolItem
from bot.outcomes import SmsExpired, SmsPost, SmsRevealed, SmsRouted, SmsSent, SmsUnrouted
from bot.pool import PoolStore, allowed_or_refused, pooled
from bot.providers.base import NumberProvider
from bot.providers.registry import ProviderSet
from bot.slack_channels import Channels
from bot.sms_models import Queued, SmsRoute
from bot.sms_store import SmsStore
from bot.sms_text import find_code

__all__ = ["SENT_PER_HOUR", "SmsService", "post_of", "webhook_url"]

SENT_PER_HOUR = 30  # test SMS per team per hour: a bug or a slip cannot run up a bill


def webhook_url(public_url: str, provider: NumberProvider, team_id: str, e164: str, token: str) -> str:
    """Where `provider` sends the number's SMS: the token unless the provider signs its webhooks."""
    query = {"team": team_id, "number": e164.removeprefix("+")}
    if not provider.webhook_signed:
        query["token"] = token
    return f"{public_url.rstrip('/')}/webhooks/{provider.name}/sms?{urlencode(query)}"


def post_of(queued: Queued, item: PoolItem | None, *, text: str | None, private: bool, reveal_seconds: int) -> SmsPost:
    """A received SMS as its channel shows it: no text when private, and until when it can be viewed
    (counted from when the bot got it, as its expiry in Redis is)."""
    kept_until = (queued.arrived_at or queued.received_at) + timedelta(seconds=reveal_seconds)
    return SmsPost(
        sms_id=queued.id,
        e164=queued.to,
        name=item.name if item else None,
        sender=queued.sender,
        received_at=queued.received_at,
        provider=queued.provider,
        text=None if private else text,
        private=private,
        expires_at=kept_until if private else None,
    )


class SmsService:
    def __init__(
        self,
        *,
        providers: ProviderSet,
        pool: PoolStore,
        store: SmsStore,
        audit: AuditLog,
        channels: Channels,
        public_url: str | None,
        reveal_seconds: int,
        forward_countries: Collection[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.providers = providers
        self.pool = pool
        self.store = store
        self.audit = audit
        self.channels = channels
        self.public_url = public_url
        self.reveal_seconds = reveal_seconds
        self.forward_countries = frozenset(forward_countries)
        self.clock = clock

    @property
    def simulated(self) -> frozenset[str]:
        return self.providers.simulated_names

    async def _pooled(self, caller: Caller, e164: str) -> PoolItem:
        return await pooled(self.pool, caller, e164)

    def _url(self, provider: NumberProvider, team_id: str, e164: str, token: str) -> str | None:
        if self.public_url is None:
            if provider.capabilities.simulated:
                return None  # the sandbox is only ever sent to from inside (the console)
            raise BotError(
                "PUBLIC_URL is not set, so providers have no address to send SMS to. An admin sets it to "
                "where the bot is reachable over HTTPS (Socket Mode deployments too); nothing was changed."
            )
        return webhook_url(self.public_url, provider, team_id, e164, token)

    # -- sms-to -----------------------------------------------------------------------------

    async def route(
        self, caller: Caller, e164: str, channel: str | None, *, private: bool = False
    ) -> SmsRouted | SmsUnrouted:
        item = await self._pooled(caller, e164)
        provider = self.providers.require(item.entry.provider)
        if channel is None:
            return await self._unroute(caller, e164, provider)
        if not provider.capabilities.sms_in:
            raise NotSupported(provider.label, provider.sms_missing.format(label=provider.label))
        await self.channels.require_member(channel, caller.user_id)
        old, raw = await self.store.route(caller.team_id, e164)
        token = old.token if old is not None and old.provider == provider.name else secrets.token_urlsafe(24)
        url = self._url(provider, caller.team_id, e164, token)
        route = SmsRoute(
            channel=channel,
            private=private,
            provider=provider.name,
            token=token,
            by=caller.user_id,
            at=datetime.fromtimestamp(self.clock(), UTC),
        )
        await self._swap(caller.team_id, e164, route, expected=raw)
        audit = {"actor": caller.user_id, "action": "sms-to", "number": e164, "provider": provider.name}
        where = f"to channel {channel}" + (" (private)" if private else "")
        try:
            note = await provider.route_sms(e164, url)
        except BotError as exc:
            with contextlib.suppress(BotError):  # as it was, unless someone changed it meanwhile
                await self._swap(caller.team_id, e164, old, expected=route.model_dump_json())
            await self.audit.record(
                caller.team_id, entry_fields(**audit, outcome="failed", detail=f"{where}: {exc.user_message}")
            )
            raise
        await self.audit.record(caller.team_id, entry_fields(**audit, detail=where))
        manual = provider.capabilities.sms_manual
        return SmsRouted(
            e164=e164,
            provider=provider.name,
            channel=channel,
            private=private,
            reveal_seconds=self.reveal_seconds,
            notes=(note,) if note and not manual else (),
            setup=note if manual else None,
            webhook_url=url if manual else None,
            simulated=self.simulated,
        )

    async def _swap(self, team_id: str, e164: str, route: SmsRoute | None, *, expected: str) -> None:
        """Compare-and-set the route (None: remove it), with one line when it cannot be done."""
        if route is None:
            await self.store.clear(team_id, e164, unroute=True)
            return
        answer = await self.store.set_route(team_id, e164, route, expected=expected)
        if answer == "gone":
            raise NotFound(f"{e164} left the pool meanwhile.")
        if answer != "ok":
            raise StaleAction(f"Someone changed where {e164}'s SMS go at the same moment; run the command again.")

    async def _unroute(self, caller: Caller, e164: str, provider: NumberProvider) -> SmsUnrouted:
        old, _ = await self.store.clear(caller.team_id, e164, unroute=True)
        if old is None:
            return SmsUnrouted(e164=e164, provider=provider.name, was=None, simulated=self.simulated)
        notes: tuple[str, ...] = ()
        try:
            note = await provider.route_sms(e164, None)
            notes = (note,) if note else ()
        except BotError as exc:
            notes = (
                f"{provider.label} may still send this number's SMS to the bot, which refuses them: {exc.user_message}",
            )
        await self.audit.record(
            caller.team_id,
            entry_fields(actor=caller.user_id, action="sms-to", number=e164, provider=provider.name, detail="off"),
        )
        return SmsUnrouted(e164=e164, provider=provider.name, was=old.channel, notes=notes, simulated=self.simulated)

    # -- sms ----------------------------------------------------------------------------------

    async def send(self, caller: Caller, e164: str, destination: str, text: str) -> SmsSent:
        item = await self._pooled(caller, e164)
        audit = {"actor": caller.user_id, "action": "sms", "number": e164, "provider": item.entry.provider}
        destination = await allowed_or_refused(self.audit, caller, audit, destination, self.forward_countries)
        provider = self.providers.require(item.entry.provider)
        if not provider.capabilities.sms_out:
            raise NotSupported(provider.label, provider.sms_missing.format(label=provider.label))
        hour = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%d%H")
        if await self.store.count_sent(caller.team_id, hour) > SENT_PER_HOUR:
            raise BotError(f"The team has sent {SENT_PER_HOUR} test SMS this hour; try again next hour.")
        try:
            sent = await provider.send_sms(e164, destination, text)
        except BotError as exc:
            detail = f"to {destination}, {len(text)} characters: {exc.user_message}"
            await self.audit.record(caller.team_id, entry_fields(**audit, outcome="failed", detail=detail))
            raise
        ids = ", ".join(sent.message_ids) or "none given"
        detail = f"to {destination}, {len(text)} characters, message id {ids}"
        await self.audit.record(caller.team_id, entry_fields(**audit, cost=sent.price, detail=detail))
        return SmsSent(
            e164=e164,
            destination=destination,
            provider=provider.name,
            message_ids=sent.message_ids,
            price=sent.price,
            characters=len(text),
            simulated=self.simulated,
        )

    # -- View message -------------------------------------------------------------------------

    async def reveal(self, caller: Caller, sms_id: str) -> SmsRevealed | SmsExpired:
        """The text to the clicker alone (audited without it), or the post saying it expired."""
        queued, text = await self.store.message(caller.team_id, sms_id)  # keys are the team's: no other team's
        if queued is None:
            raise StaleAction("This message is no longer kept.")
        item = await self.pool.item(caller.team_id, queued.to)
        post = post_of(queued, item, text=None, private=True, reveal_seconds=self.reveal_seconds)
        post = post.model_copy(update={"simulated": self.simulated, "expired": text is None})
        when = queued.received_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        fields = {"actor": caller.user_id, "action": "sms reveal", "number": queued.to, "provider": queued.provider}
        detail = f"message from {queued.sender} received {when}"
        if text is None:
            await self.audit.record(caller.team_id, entry_fields(**fields, outcome="expired", detail=detail))
            return SmsExpired(post=post, simulated=self.simulated)
        await self.audit.record(caller.team_id, entry_fields(**fields, detail=detail))
        return SmsRevealed(post=post, text=text, code=find_code(text), simulated=self.simulated)
