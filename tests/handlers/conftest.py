"""Fixtures shared by the end-to-end provider flows: the mocked account and its router."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot.models import PoolEntry, utcnow
from bot.pool import PoolStore
from tests.conftest import BotFactory, make_settings
from tests.providers.contract import Account
from tests.slack import ADMIN, TEAM, BotUnderTest


@pytest.fixture
def account() -> Account:
    return Account()


def routed(base_url: str, check: Callable[[httpx.Request], None]) -> Iterator[respx.MockRouter]:
    """respx at the provider's real URL; afterwards every request it received passes `check` (auth…)."""
    with respx.mock(base_url=base_url, assert_all_called=False) as router:
        yield router
        for call in router.calls:
            check(call.request)


async def provider_bot(
    make_bot: BotFactory, redis: Redis, provider: str, cls: type, **settings: object
) -> BotUnderTest:
    """A bot whose only provider is built by the registry from these settings (sandbox off)."""
    bot = await make_bot(redis=redis, settings=make_settings(sandbox=False, **settings))
    assert list(bot.services.providers) == [provider]
    assert isinstance(bot.services.providers[provider].inner, cls)  # type: ignore[attr-defined]
    return bot


async def pooled(redis: Redis, e164: str = "+442079460123", provider: str = "sandbox") -> str:
    """A number put straight into the team's pool (as if bought), for tests about what follows."""
    entry = PoolEntry(e164=e164, provider=provider, bought_by=ADMIN, bought_at=utcnow())
    assert await PoolStore(redis).adopt(TEAM, entry)
    return e164
