"""Vonage adapter tests, one module per operation; what they share besides fixtures is here."""

from __future__ import annotations

import asyncio

import httpx

from bot.models import Offer
from bot.providers.base import Order
from bot.providers.http import Sleep
from bot.providers.vonage import VonageProvider
from tests.providers.contract import Listing
from tests.providers.vonage_wire import API_KEY, API_SECRET, BASE_URL

__all__ = ["make_vonage", "order_for"]


def make_vonage(http: httpx.AsyncClient, sleep: Sleep = asyncio.sleep) -> VonageProvider:
    """The adapter against the respx Vonage at BASE_URL, with the test key pair."""
    return VonageProvider(http=http, key=API_KEY, secret=API_SECRET, base_url=BASE_URL, sleep=sleep)


def order_for(listing: Listing) -> Order:
    offer = Offer(provider="vonage", e164=listing.e164, country=listing.country, type=listing.type)
    return Order(op_id="op-1", offer=offer)
