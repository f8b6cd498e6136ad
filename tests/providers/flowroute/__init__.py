"""Flowroute adapter tests, one module per operation; what they share besides fixtures is here."""

from __future__ import annotations

import asyncio

import httpx

from bot.models import Money, NumberType, Offer
from bot.providers.base import Order
from bot.providers.flowroute import FlowrouteProvider
from bot.providers.http import Sleep
from tests.providers.flowroute_wire import ACCESS_KEY, BASE_URL, SECRET_KEY

__all__ = ["DESTINATION", "make_flowroute", "order_for"]

DESTINATION = "+14155550123"


def make_flowroute(http: httpx.AsyncClient, sleep: Sleep = asyncio.sleep) -> FlowrouteProvider:
    """The adapter against the respx Flowroute at BASE_URL, with the test key pair."""
    return FlowrouteProvider(http=http, key=ACCESS_KEY, secret=SECRET_KEY, base_url=BASE_URL, sleep=sleep)


def order_for(e164: str, monthly: str | None = "1.25") -> Order:
    cost = Money.parse(monthly, "USD") if monthly else None
    offer = Offer(provider="flowroute", e164=e164, country="US", type=NumberType.local, monthly=cost)
    return Order(op_id="op-1", offer=offer)
