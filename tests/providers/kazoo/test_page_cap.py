"""A `next_start_key` chain never decides how long the bot keeps asking: paging stops at a cap."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.providers.kazoo import KazooProvider
from bot.providers.kazoo_api import MAX_PAGES
from tests.providers.conftest import listed_up_to_the_cap
from tests.providers.kazoo import A
from tests.providers.kazoo_wire import KazooWire, envelope


async def test_an_endless_start_key_chain_stops_at_the_page_cap_with_a_warning(
    kazoo: KazooProvider, router: respx.MockRouter, wire: KazooWire, caplog: pytest.LogCaptureFixture
) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        index = int(request.url.params.get("start_key", "0"))
        numbers = {f"+1415555{index:04d}": {"state": "in_service"}}
        following = {"next_start_key": str(index + 1)} if index < 3 * MAX_PAGES else {}
        return envelope({"numbers": numbers}, **following)

    router.routes.clear()
    wire.mock_auth()
    wire.mock_callflow_reads()
    route = router.get(f"{A}/phone_numbers").mock(side_effect=page)
    warning = await listed_up_to_the_cap(kazoo.list, route, caplog, "bot.providers.kazoo_api", MAX_PAGES)
    assert warning == "kazoo listing stopped at the page cap"
