"""The Vonage adapter against respx at Vonage's base URL, and the wire behind it."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.providers.vonage import VonageProvider
from tests.fakes import Sleeps
from tests.providers.contract import Account
from tests.providers.vonage import make_vonage
from tests.providers.vonage_wire import BASE_URL, VonageWire


@pytest.fixture
def base_url() -> str:
    return BASE_URL


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> VonageWire:
    return VonageWire(router, account)


@pytest.fixture
def vonage(http: httpx.AsyncClient, sleeps: Sleeps) -> VonageProvider:
    return make_vonage(http, sleeps)
