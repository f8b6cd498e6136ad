"""The Flowroute adapter against respx at Flowroute's base URL, and the wire behind it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx

from bot.providers.flowroute import FlowrouteProvider
from tests.fakes import Sleeps
from tests.providers.flowroute import make_flowroute
from tests.providers.flowroute_wire import BASE_URL, FlowrouteAccount, FlowrouteWire, basic_auth


@pytest.fixture
def base_url() -> str:
    return BASE_URL


@pytest.fixture
def check_request() -> Callable[[httpx.Request], None]:
    def basic_auth_on_every_request(request: httpx.Request) -> None:
        assert request.headers["authorization"] == basic_auth()

    return basic_auth_on_every_request


@pytest.fixture
def account() -> FlowrouteAccount:
    return FlowrouteAccount()


@pytest.fixture
def wire(router: respx.MockRouter, account: FlowrouteAccount) -> FlowrouteWire:
    return FlowrouteWire(router, account)


@pytest.fixture
def flowroute(http: httpx.AsyncClient, sleeps: Sleeps) -> FlowrouteProvider:
    return make_flowroute(http, sleeps)
