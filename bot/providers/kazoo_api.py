"""Kazoo crossbar plumbing for the `kazoo` adapter: the shared token, the envelope, errors.

Auth: ``PUT /v2/api_auth`` with ``{"data": {"api_key": …}}`` answers an ``auth_token`` (and
``data.account_id``), sent as ``X-Auth-Token`` on every other request. The token is shared by
every bot process through Redis (``keys.provider_cache``) and expires there before Kazoo
expires it (Kazoo's default ``token_auth_expiry_s`` is one hour; a JWT token's own ``exp`` is
honoured when it says less). A request answered 401 gets one fresh token and is sent once
more: Kazoo checks the token before it does anything, so resending after a 401 is safe even
for a purchase. The token and the API key never reach a message or a log line: the token is
added to the log scrubber's registry (bot.redact) as soon as it is known.

Envelope: requests carry ``{"data": {…}}``; answers are ``{data, status, error, message,
request_id}`` with the HTTP status matching ``error``. Kazoo's own reason (``message`` and
``data.message``, or a validation message nested in ``data``) is passed on as one line.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from bot import keys
from bot.errors import ProviderAuthError, ProviderRefused, ProviderUnavailable
from bot.phone import to_e164
from bot.providers.http import ProviderHttp, json_object
from bot.redact import remember

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = [
    "MAX_PAGES",
    "PAGE_SIZE",
    "KazooApi",
    "Session",
    "e164_of",
    "kazoo_reason",
    "reason",
    "succeeded",
]

log = logging.getLogger(__name__)

TOKEN_LIFETIME = 3600  # Kazoo's default token_auth_expiry_s
TOKEN_MARGIN = 120  # the shared copy expires this much before Kazoo's does
PAGE_SIZE = 100  # listings are read this many at a time
MAX_PAGES = 100  # a `next_start_key` chain longer than this (10,000 items) is not followed
_URL = re.compile(r"\S+://\S+")


@dataclass(frozen=True)
class Session:
    token: str
    account_id: str


def e164_of(raw: object) -> str | None:
    """A number as Kazoo writes it (``+`` and digits); extensions and patterns are not."""
    return to_e164(raw) if isinstance(raw, str) and raw.startswith("+") else None


def succeeded(response: httpx.Response) -> bool:
    return response.is_success and json_object(response).get("status") != "error"


def _line(raw: object) -> str | None:
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        return None
    text = " ".join(_URL.sub("[link]", str(raw)).split())
    return text[:200] or None


def _nested_message(data: Mapping[str, Any]) -> str | None:
    """A validation error: ``{"numbers": {"unique": {"message": …}}}`` → "numbers: …"."""
    for field, rules in data.items():
        if isinstance(rules, Mapping):
            for rule in rules.values():
                if isinstance(rule, Mapping) and _line(rule.get("message")):
                    return f"{field}: {_line(rule.get('message'))}"
    return None


def kazoo_reason(response: httpx.Response) -> str | None:
    """Kazoo's own reason, one line, no URL; None when the answer carries none."""
    body = json_object(response)
    top = _line(body.get("message"))
    data = body.get("data")
    detail = None
    if isinstance(data, Mapping):
        detail = _line(data.get("message")) or _nested_message(data)
    elif isinstance(data, str):
        detail = _line(data)
    top = top.replace("_", " ") if top else None
    if top and detail and top.lower() != detail.lower().replace("_", " "):
        return f"{top}: {detail}"[:200]
    return detail or top


def reason(response: httpx.Response) -> str:
    """Kazoo's own reason, or the HTTP status when Kazoo gave none."""
    return kazoo_reason(response) or f"HTTP {response.status_code}"


def _expires_in(token: str) -> int | None:
    """Seconds until a JWT token's `exp`; None when the token is not a readable JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return int(claims["exp"]) - int(time.time())
    except (ValueError, KeyError, TypeError):
        return None


class KazooApi:
    """Authenticated crossbar requests for one Kazoo account, on the shared client."""

    def __init__(
        self, http: ProviderHttp, *, redis: RedisClient, base_url: str, api_key: str, account_id: str | None = None
    ) -> None:
        """`http`: the adapter's view of the shared client (its label, how its retries wait)."""
        self.label = http.label
        self._http = http
        self._redis = redis
        self._base = base_url.rstrip("/").removesuffix("/v2")  # paths carry /v2 themselves
        self._api_key = api_key
        self._account_id = account_id or None
        # Keyed by a digest of where and who, so a changed key or server never gets a stale token.
        digest = hashlib.sha256(f"{self._base}\n{api_key}\n{account_id or ''}".encode()).hexdigest()[:32]
        self._cache_key = keys.provider_cache("kazoo", f"token-{digest}")
        self._lock = asyncio.Lock()

    # -- the token ---------------------------------------------------------------------

    async def session(self, *, stale: str | None = None) -> Session:
        """The shared token (from Redis), or a new one when there is none or it is `stale`."""
        async with self._lock:
            cached = await self._redis.get(self._cache_key)
            if cached:
                try:
                    found = Session(**json.loads(cached))
                except (TypeError, ValueError):
                    found = None
                if found is not None and found.token != stale:
                    remember(found.token)  # another process signed in: scrub its token here too
                    return found
            return await self._authenticate()

    async def _authenticate(self) -> Session:
        action = "signing in"
        # Asking for a token changes nothing that matters, so it may be retried like a read.
        response = await self._http.read(
            "PUT",
            f"{self._base}/v2/api_auth",
            action=action,
            json={"data": {"api_key": self._api_key}},
        )
        if response.status_code in (400, 401, 403):
            raise ProviderAuthError(self.label)
        if not succeeded(response):
            self.fail(response, action)
        body = json_object(response)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        token = body.get("auth_token")
        account = self._account_id or data.get("account_id")
        if not isinstance(token, str) or not token or not isinstance(account, str) or not account:
            raise ProviderUnavailable(self.label, "signing in gave no token or account; try again later")
        remember(token)  # from now on no log line carries it
        session = Session(token=token, account_id=account)
        expires = _expires_in(token)
        ttl = min(TOKEN_LIFETIME, expires if expires is not None else TOKEN_LIFETIME) - TOKEN_MARGIN
        if ttl > 0:
            value = json.dumps({"token": token, "account_id": account})
            await self._redis.set(self._cache_key, value, ex=ttl)
        return session

    async def _forget(self, session: Session) -> None:
        """Drop the shared token Kazoo refused, unless another process already replaced it."""
        cached = await self._redis.get(self._cache_key)
        if cached and session.token in cached:
            await self._redis.delete(self._cache_key)

    # -- requests --------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        action: str,
        write: bool = False,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """One crossbar call; ``{account}`` in `path` is the account id.

        Reads are retried (ProviderHttp); a write is sent once and a lost answer raises
        OutcomeUnknown. A 401 is answered with one new token and one resend; a second 401
        means the key itself is refused.
        """
        session = await self.session()
        response = await self._send(method, path, session, action=action, write=write, params=params, body=body)
        if response.status_code == 401:
            await self._forget(session)
            session = await self.session(stale=session.token)
            response = await self._send(method, path, session, action=action, write=write, params=params, body=body)
            if response.status_code == 401:
                raise ProviderAuthError(self.label)
        return response

    async def _send(
        self,
        method: str,
        path: str,
        session: Session,
        *,
        action: str,
        write: bool,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None,
    ) -> httpx.Response:
        url = self._base + path.replace("{account}", quote(session.account_id, safe=""))
        send = self._http.write if write else self._http.read
        return await send(
            method,
            url,
            action=action,
            params=dict(params) if params else None,
            json=dict(body) if body is not None else None,
            headers={"X-Auth-Token": session.token, "Accept": "application/json"},
        )

    async def pages(self, path: str, *, action: str) -> list[Any]:
        """Every page's `data` of a crossbar listing, following ``next_start_key`` up to MAX_PAGES."""
        pages: list[Any] = []
        start: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"page_size": PAGE_SIZE}
            if start is not None:
                params["start_key"] = start
            response = await self.request("GET", path, params=params, action=action)
            if not succeeded(response):
                self.fail(response, action)
            body = json_object(response)
            pages.append(body.get("data"))
            start = body.get("next_start_key")
            if not isinstance(start, str) or not start or start in seen:
                return pages
            seen.add(start)
        log.warning("kazoo listing stopped at the page cap", extra={"action": action, "pages": MAX_PAGES})
        return pages

    def fail(self, response: httpx.Response, action: str) -> None:
        """Raise the bot error for a failed answer (the caller handled what it expects)."""
        status = response.status_code
        if status == 401:
            raise ProviderAuthError(self.label)
        if status == 403:
            raise ProviderAuthError(
                self.label,
                f"{self.label} refused {action} ({reason(response)}); check the API key's "
                "permissions and KAZOO_ACCOUNT_ID",
            )
        if status == 429:
            raise ProviderUnavailable(self.label, f"{action} was rate limited; try again in a minute")
        if status >= 500:
            said = kazoo_reason(response)
            where = f"HTTP {status}: {said}" if said else f"HTTP {status}"
            raise ProviderUnavailable(self.label, f"{action} failed on {self.label}'s side ({where}); try again later")
        raise ProviderRefused(self.label, f"{action} failed: {reason(response)}")
