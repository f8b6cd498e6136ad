"""Flowroute from the settings: registered, enabled by both keys, its base URL."""

from __future__ import annotations

import httpx
import respx
from redis.asyncio import Redis

from bot.providers.flowroute import FlowrouteProvider
from bot.providers.registry import PROVIDERS, build_providers
from tests.conftest import make_settings
from tests.providers.flowroute_wire import ACCESS_KEY, SECRET_KEY, answer, basic_auth


def test_registered_under_its_name() -> None:
    assert PROVIDERS["flowroute"] is FlowrouteProvider


async def test_enabled_only_with_both_keys(redis: Redis) -> None:
    async with httpx.AsyncClient() as http:
        assert FlowrouteProvider.from_settings(make_settings(), http=http, redis=redis) is None
        settings = make_settings(flowroute_access_key=ACCESS_KEY, flowroute_secret_key=SECRET_KEY, sandbox=False)
        assert list(build_providers(settings, http=http, redis=redis)) == ["flowroute"]


async def test_base_url_comes_from_the_settings(redis: Redis) -> None:
    settings = make_settings(
        flowroute_access_key=ACCESS_KEY, flowroute_secret_key=SECRET_KEY, flowroute_base_url="https://fr.proxy.example/"
    )
    with respx.mock(base_url="https://fr.proxy.example", assert_all_called=False) as router:
        route = router.get("/v2/numbers").mock(return_value=answer(200, {"data": [], "links": {}}))
        async with httpx.AsyncClient() as http:
            provider = FlowrouteProvider.from_settings(settings, http=http, redis=redis)
            assert provider is not None
            assert await provider.list() == []
        assert route.call_count == 1
        assert route.calls.last.request.headers["authorization"] == basic_auth()
