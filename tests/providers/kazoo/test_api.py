"""Kazoo's crossbar plumbing: the token shared through Redis, rejected keys, Kazoo's reasons."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot import keys
from bot.errors import ProviderAuthError
from bot.models import SearchQuery
from bot.providers.kazoo import KazooProvider
from bot.providers.kazoo_api import reason
from tests.conftest import make_settings
from tests.fakes import StaticProgress
from tests.providers.contract import Account, Listing, london
from tests.providers.kazoo import US, A, make_kazoo, order_for
from tests.providers.kazoo_wire import ACCOUNT_ID, API_KEY, BASE_URL, TOKEN, KazooWire, error


async def token_keys(redis: Redis) -> list[str]:
    """The shared tokens in Redis (their key names carry a digest of server and key)."""
    prefix = keys.provider_cache("kazoo", "token").removesuffix("token")
    return [k async for k in redis.scan_iter(f"{prefix}token-*")]


async def test_the_token_is_shared_through_redis_with_an_expiry(
    http: httpx.AsyncClient, redis: Redis, wire: KazooWire, router: respx.MockRouter
) -> None:
    first = make_kazoo(http, redis)
    second = make_kazoo(http, redis)  # another process
    assert await first.list() == []
    assert await second.list() == []
    assert wire.issued == [TOKEN], "one sign-in serves every process"
    (key,) = await token_keys(redis)
    assert 0 < await redis.ttl(key) <= 3600 - 120, "the shared token expires before Kazoo's does"
    assert json.loads(await redis.get(key)) == {"token": TOKEN, "account_id": ACCOUNT_ID}


async def test_a_jwt_token_expires_with_its_exp_claim(
    kazoo: KazooProvider, redis: Redis, router: respx.MockRouter
) -> None:
    claims = base64.urlsafe_b64encode(json.dumps({"exp": int(time.time()) + 600}).encode()).decode().rstrip("=")
    jwt = f"eyJhbGciOiJSUzI1NiJ9.{claims}.c2lnbmF0dXJl"
    body = {"auth_token": jwt, "data": {"account_id": ACCOUNT_ID}, "status": "success"}
    router.put("/v2/api_auth").mock(return_value=httpx.Response(201, json=body))
    router.route(method="GET", path__regex=r"^/v2/phone_numbers$").mock(
        return_value=httpx.Response(200, json={"data": []})
    )
    await kazoo.search(SearchQuery(country="US", pattern="415"))
    (key,) = await token_keys(redis)
    assert 400 < await redis.ttl(key) <= 600 - 120


async def test_a_refused_token_is_renewed_once_and_the_request_sent_again(
    kazoo: KazooProvider, router: respx.MockRouter, account: Account
) -> None:
    wire = KazooWire(router, account, tokens=set())
    wire.mock_auth(rotate=True)
    wire.mock_account()
    account.own(Listing(e164=london(1)))
    assert [n.e164 for n in await kazoo.list()] == [london(1)]
    wire.tokens.clear()  # Kazoo expired it (or restarted)

    assert [n.e164 for n in await kazoo.list()] == [london(1)]

    assert wire.issued == [f"{TOKEN}-1", f"{TOKEN}-2"]
    listings = [c.request for c in router.calls if c.request.url.path == f"{A}/phone_numbers"]
    assert [r.headers["x-auth-token"] for r in listings] == [f"{TOKEN}-1", f"{TOKEN}-1", f"{TOKEN}-2"]


async def test_a_purchase_answered_401_is_sent_once_more_with_a_new_token(
    kazoo: KazooProvider, router: respx.MockRouter, account: Account
) -> None:
    wire = KazooWire(router, account, tokens=set())
    wire.mock_auth(rotate=True)
    wire.mock_account()
    wire.mock_buy()
    assert await kazoo.list() == []
    wire.tokens.clear()

    owned = await kazoo.buy(order_for(), StaticProgress())

    assert owned.e164 == US
    sent = [c.request.headers["x-auth-token"] for c in router.calls if c.request.url.path.endswith("/activate")]
    assert sent == [f"{TOKEN}-1", f"{TOKEN}-2"], "Kazoo checks the token before acting: the resend cannot buy twice"
    assert US in account.owned


async def test_a_key_kazoo_keeps_refusing_is_an_auth_error_after_one_renewal(
    kazoo: KazooProvider, router: respx.MockRouter, account: Account
) -> None:
    wire = KazooWire(router, account, tokens=set())
    wire.mock_auth(rotate=True)
    wire.mock_account()
    wire.authorized = lambda request: False  # type: ignore[method-assign]
    with pytest.raises(ProviderAuthError, match="Kazoo rejected the credentials"):
        await kazoo.list()
    assert len(wire.issued) == 2
    assert sum(c.request.url.path == f"{A}/phone_numbers" for c in router.calls) == 2


async def test_a_wrong_api_key_is_refused_at_sign_in(http: httpx.AsyncClient, redis: Redis, wire: KazooWire) -> None:
    kazoo = KazooProvider(http=http, redis=redis, base_url=BASE_URL, api_key="0" * 64)
    with pytest.raises(ProviderAuthError) as refused:
        await kazoo.list()
    assert refused.value.user_message == "Kazoo: Kazoo rejected the credentials; check the bot's settings"
    assert [k async for k in redis.scan_iter("*")] == []


async def test_the_configured_account_is_used_instead_of_the_keys_own(
    http: httpx.AsyncClient, redis: Redis, router: respx.MockRouter
) -> None:
    KazooWire(router, Account()).mock_auth()
    sub = "a" * 32
    route = router.get(f"/v2/accounts/{sub}/phone_numbers").mock(return_value=httpx.Response(200, json={"data": {}}))
    settings = make_settings(kazoo_base_url=f"{BASE_URL}/v2/", kazoo_api_key=API_KEY, kazoo_account_id=sub)
    kazoo = KazooProvider.from_settings(settings, http=http, redis=redis)
    assert kazoo is not None
    assert await kazoo.list() == []
    assert route.call_count == 1


async def test_a_403_says_what_to_check(kazoo: KazooProvider, wire: KazooWire, router: respx.MockRouter) -> None:
    router.routes.clear()
    wire.mock_auth()
    router.get(f"{A}/phone_numbers").mock(return_value=error(403, "forbidden", {"message": "forbidden"}))
    with pytest.raises(ProviderAuthError, match="check the API key's permissions and KAZOO_ACCOUNT_ID"):
        await kazoo.list()


def test_reasons_are_one_line_without_links() -> None:
    body = {"data": {"message": "bad\nidentifier"}, "error": "404", "message": "bad_identifier", "status": "error"}
    assert reason(httpx.Response(404, json=body)) == "bad identifier"
    assert reason(httpx.Response(502, text="<html>bad gateway</html>")) == "HTTP 502"
    body = {"data": "see http://kazoo.example:8000/v2 for details", "message": "init failed"}
    assert reason(httpx.Response(500, json=body)) == "init failed: see [link] for details"
