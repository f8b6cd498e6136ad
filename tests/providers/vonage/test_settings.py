"""Vonage from the settings: registered, enabled by both credentials, its base URL."""

from __future__ import annotations

import httpx
import respx
from redis.asyncio import Redis

from bot.config import Settings
from bot.providers.registry import PROVIDERS, build_providers
from bot.providers.vonage import VonageProvider
from tests.conftest import make_settings
from tests.providers.vonage_wire import API_KEY, API_SECRET


def test_registered_under_its_name() -> None:
    assert PROVIDERS["vonage"] is VonageProvider


async def test_enabled_only_with_both_credentials(redis: Redis) -> None:
    async with httpx.AsyncClient() as http:
        assert VonageProvider.from_settings(make_settings(), http=http, redis=redis) is None
        settings: Settings = make_settings(vonage_api_key=API_KEY, vonage_api_secret=API_SECRET, sandbox=False)
        providers = build_providers(settings, http=http, redis=redis)
        assert list(providers) == ["vonage"]


async def test_base_url_comes_from_the_settings(redis: Redis) -> None:
    settings = make_settings(
        vonage_api_key=API_KEY, vonage_api_secret=API_SECRET, vonage_base_url="https://vonage.proxy.example/"
    )
    with respx.mock(base_url="https://vonage.proxy.example", assert_all_called=False) as router:
        route = router.get("/account/numbers").mock(return_value=httpx.Response(200, json={"count": 0}))
        async with httpx.AsyncClient() as http:
            provider = VonageProvider.from_settings(settings, http=http, redis=redis)
            assert provider is not None
            assert await provider.list() == []
        assert route.call_count == 1
