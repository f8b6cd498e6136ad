"""Azure from the settings: registered, enabled by a connection string whose key is base64."""

from __future__ import annotations

import httpx
import pytest
from redis.asyncio import Redis

from bot.providers.azure import AzureProvider
from bot.providers.registry import PROVIDERS, build_providers
from tests.conftest import make_settings
from tests.providers.azure_wire import BASE_URL, CONNECTION_STRING


def test_registered_under_its_name() -> None:
    assert PROVIDERS["azure"] is AzureProvider


async def test_enabled_only_with_a_connection_string(redis: Redis) -> None:
    async with httpx.AsyncClient() as http:
        assert AzureProvider.from_settings(make_settings(), http=http, redis=redis) is None
        settings = make_settings(azure_communication_connection_string=CONNECTION_STRING, sandbox=False)
        providers = build_providers(settings, http=http, redis=redis)
        assert list(providers) == ["azure"]
        assert isinstance(providers["azure"], AzureProvider)


def test_an_access_key_that_is_not_base64_stops_the_start() -> None:
    with pytest.raises(ValueError, match="base64") as stopped:
        make_settings(azure_communication_connection_string=f"endpoint={BASE_URL};accesskey=not*base64")
    assert "accesskey must be" in str(stopped.value)
