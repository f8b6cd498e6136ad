"""The Azure adapter against respx at the test endpoint, and the wire behind it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx

from bot.providers.azure import AzureProvider
from tests.fakes import Sleeps
from tests.providers.azure import make_azure
from tests.providers.azure_wire import BASE_URL, AzureWire, assert_signed
from tests.providers.contract import Account


@pytest.fixture
def base_url() -> str:
    return BASE_URL


@pytest.fixture
def check_request() -> Callable[[httpx.Request], None]:
    return assert_signed


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> AzureWire:
    return AzureWire(router, account)


@pytest.fixture
def azure(http: httpx.AsyncClient, sleeps: Sleeps) -> AzureProvider:
    return make_azure(http, sleeps=sleeps)
