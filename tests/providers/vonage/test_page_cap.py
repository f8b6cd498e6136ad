"""A `count` in Vonage's answer never decides how much the bot fetches: paging stops at a cap."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.providers.vonage import MAX_PAGES, PAGE_SIZE, VonageProvider
from tests.providers.conftest import listed_up_to_the_cap


async def test_an_absurd_count_stops_at_the_page_cap_with_a_warning(
    vonage: VonageProvider, router: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        index = int(request.url.params["index"])
        number = {"country": "GB", "msisdn": f"4420794{index:05d}", "type": "landline", "features": ["VOICE"]}
        return httpx.Response(200, json={"count": 3 * MAX_PAGES * PAGE_SIZE, "numbers": [number]})

    route = router.get("/account/numbers").mock(side_effect=page)
    warning = await listed_up_to_the_cap(vonage.list, route, caplog, "bot.providers.vonage", MAX_PAGES)
    assert warning == "vonage account listing stopped at the page cap"
