"""Kazoo from the settings: registered, enabled by base URL and key."""

from __future__ import annotations

import httpx
import pytest
from redis.asyncio import Redis

from bot.config import ConfigError, load_settings
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


@pytest.mark.parametrize(("raw", "local"), [(None, False), ("true", True), ("0", False)])
def test_kazoo_use_local_resources_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, local: bool
) -> None:
    if raw is not None:
        monkeypatch.setenv("KAZOO_USE_LOCAL_RESOURCES", raw)
    assert load_settings("console").kazoo_use_local_resources is local


def test_a_malformed_kazoo_use_local_resources_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAZOO_USE_LOCAL_RESOURCES", "sometimes")
    with pytest.raises(ConfigError, match=r"^KAZOO_USE_LOCAL_RESOURCES: "):
        load_settings("console")
