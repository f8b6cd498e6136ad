"""Kazoo from the settings: registered, enabled by base URL and key."""

from __future__ import annotations

import httpx
from redis.asyncio import Redis

from bot.providers.kazoo import KazooProvider
from bot.providers.registry import PROVIDERS, build_providers
from tests.conftest import make_settings
from tests.providers.kazoo_wire import API_KEY, BASE_URL


def test_registered_under_its_name() -> None:
    assert PROVIDERS["kazoo"] is KazooProvider


async def test_enabled_only_with_base_url_and_key(redis: Redis) -> None:
    async with httpx.AsyncClient() as http:
        assert KazooProvider.from_settings(make_settings(), http=http, redis=redis) is None
        settings = make_settings(kazoo_base_url=BASE_URL, kazoo_api_key=API_KEY, sandbox=False)
        assert list(build_providers(settings, http=http, redis=redis)) == ["kazoo"]


async def test_kazoo_use_local_resources_defaults_to_the_system_carriers(redis: Redis) -> None:
    async with httpx.AsyncClient() as http:
        default = KazooProvider.from_settings(
            make_settings(kazoo_base_url=BASE_URL, kazoo_api_key=API_KEY), http=http, redis=redis
        )
        local = KazooProvider.from_settings(
            make_settings(kazoo_base_url=BASE_URL, kazoo_api_key=API_KEY, kazoo_use_local_resources=True),
            http=http,
            redis=redis,
        )
    assert default is not None and local is not None
    assert default._callflows._local is False
    assert local._callflows._local is True
