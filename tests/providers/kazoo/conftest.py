"""The Kazoo adapter against respx at Kazoo's base URL, and the wire behind it (signed in)."""

from __future__ import annotations

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot.providers.kazoo import KazooProvider
from tests.fakes import Sleeps
from tests.providers.contract import Account
from tests.providers.kazoo import make_kazoo
from tests.providers.kazoo_wire import BASE_URL, KazooWire


@pytest.fixture
def base_url() -> str:
    return BASE_URL


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> KazooWire:
    wire = KazooWire(router, account)
    wire.mock_auth()
    wire.mock_account()
    return wire


@pytest.fixture
def kazoo(http: httpx.AsyncClient, redis: Redis, sleeps: Sleeps) -> KazooProvider:
    return make_kazoo(http, redis, sleeps)
