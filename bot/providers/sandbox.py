"""`sandbox`: a simulated carrier whose owned numbers live in Redis.

It lets anyone try every flow with no account anywhere. Its numbers for sale are generated
deterministically from `phonenumbers` metadata (valid for their country and type), so every
process sharing a Redis offers the same ones: what is for sale is what generation yields for
a (country, type, pattern) minus what the account owns, so nothing grows in Redis with new
searches. Generation is CPU work, so it runs on one worker thread (never on the event loop)
and its results are cached per (country, type, pattern) with an expiry and a size cap.
Buying adds a number to the account atomically; releasing takes it off. Every message about
it says "sandbox".
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import phonenumbers
from cachetools import TTLCache
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from bot import keys
from bot.errors import ProviderRefused
from bot.models import Feature, Money, NumberType, Offer, OwnedNumber, SearchQuery, new_id, utcnow
from bot.phone import to_e164
from bot.providers.base import BaseProvider, Capabilities, Order, Progress
from bot.providers.sandbox_features import CNAM_REVIEW_SECONDS, SandboxFeatures, caller_name, e911_status
from bot.providers.settle import owned_from_offer
from bot.sms_models import InboundSms, SentSms, SmsWebhook, WebhookRefused, WebhookRequest

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import RedisClient

__all__ = ["SandboxProvider"]

_PHONE_TYPES: dict[NumberType, tuple[int, frozenset[int]]] = {
    # our type → (example type, types phonenumbers may classify the number as)
    NumberType.local: (
        PhoneNumberType.FIXED_LINE,
        frozenset({PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}),
    ),
    NumberType.mobile: (
        PhoneNumberType.MOBILE,
        frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}),
    ),
    NumberType.tollfree: (PhoneNumberType.TOLL_FREE, frozenset({PhoneNumberType.TOLL_FREE})),
}
_EURO = frozenset({"AT", "BE", "DE", "ES", "FI", "FR", "GR", "IE", "IT", "LU", "NL", "PT"})
_MONTHLY_BASE = {
    NumberType.local: Decimal("1.00"),
    NumberType.mobile: Decimal("1.50"),
    NumberType.tollfree: Decimal("3.00"),
}
_SETUP = {NumberType.local: Decimal("0.00"), NumberType.mobile: Decimal("0.50"), NumberType.tollfree: Decimal("5.00")}
_PER_SEED = 25  # numbers generated per (country, type, pattern)
_MAX_TRIES = 4000
_GIVE_UP = 300  # tries without a single valid number: the pattern cannot give this type
CACHE_SIZE = 512  # (country, type, pattern) results kept
CACHE_SECONDS = 3600

# Give a number back: off the account, forwarding (and E911 address, caller name) dropped.
_RELEASE = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
for i = 2, #KEYS do redis.call('HDEL', KEYS[i], ARGV[1]) end
return 1
"""

# Set forwarding only on a number the account owns (a concurrent release wins cleanly).
_FORWARD = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256(":".join(parts).encode()).digest()[:8], "big")


def _currency(country: str) -> str:
    if country == "GB":
        return "GBP"
    return "EUR" if country in _EURO else "USD"


def _features(country: str, number_type: NumberType) -> frozenset[Feature]:
    north_america = country in ("US", "CA")
    if number_type is NumberType.mobile:
        return frozenset({Feature.voice, Feature.sms} | ({Feature.mms} if north_america else set()))
    if number_type is NumberType.local and north_america:
        return frozenset({Feature.voice, Feature.sms})
    return frozenset({Feature.voice})


def generate(country: str, number_type: NumberType, pattern: str | None) -> list[Offer]:
    """Deterministic valid numbers of this country and type starting with `pattern`."""
    example_type, accepted = _PHONE_TYPES[number_type]
    example = phonenumbers.example_number_for_type(country, example_type)
    if example is None:
        return []
    national = phonenumbers.national_significant_number(example)
    prefix = pattern or national[:1]
    length = max(len(national), len(prefix) + 3)
    rng = random.Random(_seed(country, number_type.value, prefix))  # noqa: S311 - a fake inventory, not a secret
    code = phonenumbers.country_code_for_region(country)
    currency = _currency(country)
    found: dict[str, Offer] = {}
    for tries in range(_MAX_TRIES):
        if len(found) >= _PER_SEED or (tries >= _GIVE_UP and not found):
            break
        digits = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
        try:
            parsed = phonenumbers.parse(f"+{code}{digits}", None)
        except phonenumbers.NumberParseException:
            continue
        if (
            not phonenumbers.is_valid_number(parsed)
            or phonenumbers.region_code_for_number(parsed) != country
            or phonenumbers.number_type(parsed) not in accepted
        ):
            continue
        e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
        step = Decimal(_seed(e164) % 8) * Decimal("0.25")
        found[e164] = Offer(
            provider=SandboxProvider.name,
            e164=e164,
            country=country,
            type=number_type,
            features=_features(country, number_type),
            monthly=Money(amount=_MONTHLY_BASE[number_type] + step, currency=currency),
            setup=Money(amount=_SETUP[number_type], currency=currency),
        )
    return list(found.values())


# One thread, so that generating never takes more than one core's share from the event loop.
_GENERATOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-stock")
_STOCK: TTLCache[tuple[str, NumberType, str | None], list[Offer]] = TTLCache(CACHE_SIZE, CACHE_SECONDS)


def clear_stock() -> None:
    """Forget the cached stock (tests measuring generation start from nothing)."""
    _STOCK.clear()


async def stock(country: str, number_type: NumberType, pattern: str | None) -> list[Offer]:
    """The generated numbers for sale, from the cache or generated off the event loop."""
    key = (country, number_type, pattern)
    cached = _STOCK.get(key)
    if cached is None:
        cached = await asyncio.get_running_loop().run_in_executor(_GENERATOR, generate, *key)
        _STOCK[key] = cached
    return cached


class SandboxProvider(SandboxFeatures, BaseProvider):
    name: ClassVar[str] = "sandbox"
    label: ClassVar[str] = "sandbox"
    capabilities: ClassVar[Capabilities] = Capabilities(
        rename=False, simulated=True, e911=True, cnam=True, cnam_lookup=True, balance=True, sms_in=True, sms_out=True
    )

    def __init__(
        self,
        redis: RedisClient,
        *,
        clock: Callable[[], datetime] = utcnow,
        cnam_review_seconds: float = CNAM_REVIEW_SECONDS,
    ) -> None:
        """`cnam_review_seconds`: how long a new caller-ID name waits for its simulated approval."""
        self.redis = redis
        self.clock = clock
        self.cnam_review_seconds = cnam_review_seconds
        self._release = redis.register_script(_RELEASE)
        self._forward = redis.register_script(_FORWARD)

    @classmethod
    def from_settings(cls, settings: Settings, *, redis: RedisClient, **_: Any) -> SandboxProvider | None:
        return cls(redis)

    async def search(self, query: SearchQuery) -> list[Offer]:
        types = [query.type] if query.type else list(NumberType)
        candidates = [
            offer
            for number_type in types
            for offer in await stock(query.country, number_type, query.pattern)
            if query.features <= offer.features
        ]
        if not candidates:
            return []
        owned = await self.redis.hmget(keys.sandbox_owned(), [o.e164 for o in candidates])
        offers = [offer for offer, taken in zip(candidates, owned, strict=True) if taken is None]
        offers.sort(key=lambda o: (o.monthly.amount if o.monthly else Decimal("Infinity"), o.e164))
        return offers[: query.limit]

    async def buy(self, order: Order, progress: Progress) -> OwnedNumber:
        offer = order.offer
        owned = _owned_record(offer)
        if not await self.redis.hsetnx(keys.sandbox_owned(), offer.e164, json.dumps(owned)):
            raise ProviderRefused(self.label, f"{offer.e164} is already on the sandbox account")
        return _to_owned(offer.e164, owned, None)

    async def list(self) -> list[OwnedNumber]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in _NUMBER_KEYS:
                pipe.hgetall(key())
            owned, *extra = await pipe.execute()
        return [_to_owned(e164, json.loads(raw), *(h.get(e164) for h in extra)) for e164, raw in sorted(owned.items())]

    async def get(self, e164: str) -> OwnedNumber | None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in _NUMBER_KEYS:
                pipe.hget(key(), e164)
            raw, *extra = await pipe.execute()
        return _to_owned(e164, json.loads(raw), *extra) if raw else None

    async def forward(self, e164: str, destination: str) -> None:
        done = await self._forward(keys=[keys.sandbox_owned(), keys.sandbox_forwards()], args=[e164, destination])
        if not done:
            raise ProviderRefused(self.label, f"{e164} is not on the sandbox account")

    async def release(self, e164: str, progress: Progress) -> None:
        """Off the account (already gone counts as released); it is for sale again by itself."""
        await self._release(keys=[key() for key in _NUMBER_KEYS], args=[e164])

    # -- text messages (simulated: nothing is configured or sent; the console posts inbound ones) --

    async def route_sms(self, e164: str, url: str | None) -> str | None:
        return None

    async def send_sms(self, e164: str, destination: str, text: str) -> SentSms:
        if await self.get(e164) is None:
            raise ProviderRefused(self.label, f"{e164} is not on the sandbox account")
        return SentSms(message_ids=(f"sandbox-{new_id()}",))

    def read_sms_webhook(self, request: WebhookRequest) -> SmsWebhook:
        """The console's simulated webhook: JSON ``{"id", "from", "to", "text"}``."""
        body = request.json()
        if not isinstance(body, dict):
            raise WebhookRefused(400, "malformed")
        to, sender = to_e164(str(body.get("to", ""))), str(body.get("from", "")).strip()
        if to is None or not sender or not body.get("id") or not isinstance(body.get("text"), str):
            raise WebhookRefused(400, "malformed")
        message = InboundSms(
            provider=self.name,
            message_id=str(body["id"]),
            sender=to_e164(sender) or sender,
            to=to,
            text=body["text"],
            received_at=utcnow(),
        )
        return SmsWebhook(messages=(message,))


def _owned_record(offer: Offer) -> dict[str, Any]:
    return {"offer": json.loads(offer.model_dump_json()), "since": utcnow().isoformat()}


# What the sandbox keeps per number: ownership first, then forwarding, E911 address, caller name.
_NUMBER_KEYS = (keys.sandbox_owned, keys.sandbox_forwards, keys.sandbox_e911, keys.sandbox_cnam)


def _to_owned(
    e164: str, record: dict[str, Any], forward: str | None, e911: str | None = None, cnam: str | None = None
) -> OwnedNumber:
    offer = Offer.model_validate(record["offer"])
    details = {"Account": "sandbox (simulated carrier, nothing real is bought)", "On account since": record["since"]}
    owned = owned_from_offer(offer, provider=SandboxProvider.name, e164=e164, forward_to=forward, details=details)
    return owned.model_copy(update={"e911": e911_status(e911), "cnam": caller_name(json.loads(cnam) if cnam else {})})


def sandbox_countries() -> Iterable[str]:
    """Countries the sandbox is known to stock all three types for (docs and tests)."""
    return ("GB", "US", "DE", "FR", "NL")
