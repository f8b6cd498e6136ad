"""Fixtures every adapter's own tests share; each provider's conftest.py adds its adapter.

A provider's package (tests/providers/<name>/) declares `base_url` (where respx answers for
it) and, where its wire demands it, `check_request` (what every request must carry: Azure's
signature, Flowroute's Basic auth); `router` then applies it to every request a test sent.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import respx

from tests.fakes import Sleeps
from tests.providers.contract import Account

RequestCheck = Callable[[httpx.Request], None]


@pytest.fixture
def account() -> Account:
    """What the provider-side account owns; the provider's wire mock renders it."""
    return Account()


@pytest.fixture
def sleeps() -> Sleeps:
    """The adapter's `sleep`: retry (and poll) waits recorded, never slept."""
    return Sleeps()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # No default timeout on this client: every timeout a request carries is the adapter's own.
    async with httpx.AsyncClient(timeout=None) as client:
        yield client


@pytest.fixture
def check_request() -> RequestCheck:
    """What every request sent must satisfy; a provider's conftest overrides it."""
    return lambda request: None


@pytest.fixture
def router(base_url: str, check_request: RequestCheck) -> Iterator[respx.MockRouter]:
    """respx at the provider's base URL; afterwards, every request sent is checked."""
    with respx.mock(base_url=base_url, assert_all_called=False) as router:
        yield router
        for call in router.calls:
            check_request(call.request)


async def listed_up_to_the_cap(
    list_numbers: Callable[[], Any], route: respx.Route, caplog: pytest.LogCaptureFixture, logger: str, cap: int
) -> str:
    """List an account whose answers would page on and on; the warning logged when paging stopped.

    Every page holds one number, so exactly `cap` pages asked means `cap` numbers listed.
    """
    with caplog.at_level(logging.WARNING, logger=logger):
        numbers = await list_numbers()
    assert route.call_count == cap
    assert len(numbers) == cap
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    return warning.getMessage()
