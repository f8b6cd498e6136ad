"""ProviderHttp: retries wait through the injected `sleep`; base URL, auth and timeouts per call."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderUnavailable
from bot.providers.http import READ_TIMEOUT, WRITE_TIMEOUT, ProviderHttp, json_object
from tests.fakes import Sleeps

BASE = "https://provider.example/api"


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


async def test_a_read_retries_waiting_with_the_injected_sleep(
    mock: respx.MockRouter, http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    busy = httpx.Response(503, headers={"Retry-After": "3"})
    route = mock.get(f"{BASE}/numbers").mock(side_effect=[busy, busy, httpx.Response(200, json={"ok": True})])
    wire = ProviderHttp(http, "Example", base_url=BASE, sleep=sleeps)

    response = await wire.read("GET", "/numbers", action="listing")

    assert json_object(response) == {"ok": True}
    assert route.call_count == 3
    assert sleeps == [3.0, 3.0], "Retry-After decides each wait, and nothing was slept"


async def test_a_read_that_keeps_timing_out_is_unavailable_after_its_attempts(
    mock: respx.MockRouter, http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    route = mock.get(f"{BASE}/numbers").mock(side_effect=httpx.ReadTimeout("slow"))
    wire = ProviderHttp(http, "Example", base_url=BASE, attempts=2, sleep=sleeps)
    with pytest.raises(ProviderUnavailable, match="listing timed out"):
        await wire.read("GET", "/numbers", action="listing")
    assert route.call_count == 2
    assert len(sleeps) == 1, "a backoff between the two attempts, recorded instead of slept"


async def test_paths_join_the_base_url_and_every_call_is_signed_and_timed(
    mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    mock.get(f"{BASE}/numbers").mock(return_value=httpx.Response(200))
    mock.post(f"{BASE}/buy").mock(return_value=httpx.Response(200))
    other = mock.get("https://elsewhere.example/next").mock(return_value=httpx.Response(200))
    wire = ProviderHttp(http, "Example", base_url=BASE + "/", auth=httpx.BasicAuth("key", "secret"))

    await wire.read("GET", "/numbers", action="listing")
    await wire.write("POST", "/buy", action="buying")
    await wire.read("GET", httpx.URL("https://elsewhere.example/next"), action="paging")

    reads, writes, paged = (call.request for call in mock.calls)
    assert str(reads.url) == f"{BASE}/numbers"
    assert other.call_count == 1, "an absolute URL is sent as it is"
    for request in (reads, writes, paged):
        assert request.headers["authorization"].startswith("Basic ")
    assert reads.extensions["timeout"] == READ_TIMEOUT.as_dict()
    assert writes.extensions["timeout"] == WRITE_TIMEOUT.as_dict()


async def test_a_write_is_sent_once_and_a_lost_answer_is_unknown(
    mock: respx.MockRouter, http: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    route = mock.post(f"{BASE}/buy").mock(side_effect=httpx.ReadTimeout("no answer"))
    wire = ProviderHttp(http, "Example", base_url=BASE, sleep=sleeps)
    with pytest.raises(OutcomeUnknown, match="buying got no answer"):
        await wire.write("POST", "/buy", action="buying")
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("body", "parsed"), [(b'{"cost": 1.10}', {"cost": Decimal("1.10")}), (b"[1]", {}), (b"<html>", {})]
)
def test_json_object_keeps_numbers_exact_and_is_empty_when_not_an_object(
    body: bytes, parsed: dict[str, Decimal]
) -> None:
    found = json_object(httpx.Response(200, content=body))
    assert found == parsed
    if found:
        assert str(found["cost"]) == "1.10", "parsed as Decimal, never through a float"
