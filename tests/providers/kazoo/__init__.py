"""Kazoo adapter tests, one module per operation; what they share besides fixtures is here."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
from redis.asyncio import Redis

from bot.models import Money, NumberType, Offer
from bot.providers.base import Order
from bot.providers.http import Sleep
from bot.providers.kazoo import KazooProvider
from tests.providers.kazoo_wire import ACCOUNT_ID, API_KEY, BASE_URL

__all__ = ["DESTINATION", "US", "A", "make_kazoo", "order_for"]

A = rf"/v2/accounts/{ACCOUNT_ID}"  # the account's paths (a regex prefix too)
US = "+14155550100"
DESTINATION = "+447400123456"


def make_kazoo(http: httpx.AsyncClient, redis: Redis, sleep: Sleep = asyncio.sleep) -> KazooProvider:
    """The adapter against the respx Kazoo at BASE_URL; no KAZOO_ACCOUNT_ID, so the account
    comes from api_auth's answer."""
    return KazooProvider(http=http, redis=redis, base_url=BASE_URL, api_key=API_KEY, sleep=sleep)


def order_for(e164: str = US, *, accepted: str | None = None) -> Order:
    offer = Offer(provider="kazoo", e164=e164, country="US", type=NumberType.local)
    charges = Money(amount=Decimal(accepted), currency="USD") if accepted is not None else None
    return Order(op_id="op-1", offer=offer, accepted_charges=charges)
