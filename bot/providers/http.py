"""The shared HTTP client and the call discipline every HTTP adapter follows.

Reads are retried with backoff on 429/502/503/504 and transport errors, honouring
``Retry-After`` (tenacity does the retrying). Writes are sent once: a write whose answer
was lost raises ``OutcomeUnknown`` so the caller finds out what happened instead of
sending it again. Transport errors are mapped to the project's errors here, with messages
that never include URLs, headers or bodies (they may carry credentials).

Every call carries its own timeout: a read attempt is short (it is retried), a write gets
longer (one that times out leaves an outcome to find out). How the retries wait is the
``sleep`` given to ``ProviderHttp``, so tests record the waits instead of sleeping them.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
)

from bot.errors import OutcomeUnknown, ProviderAuthError, ProviderUnavailable

__all__ = [
    "READ_TIMEOUT",
    "RETRY_STATUSES",
    "WRITE_TIMEOUT",
    "ProviderHttp",
    "ProviderTransport",
    "Sleep",
    "create_http_client",
    "json_object",
    "raise_for_common_status",
    "retry_after_seconds",
]

RETRY_STATUSES = frozenset({429, 502, 503, 504})
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_RETRY_WAIT = 10.0
READ_TIMEOUT = httpx.Timeout(6.0, connect=3.0)  # per attempt: reads are retried
WRITE_TIMEOUT = httpx.Timeout(20.0, connect=5.0)  # sent once, so given longer

Sleep = Callable[[float], Awaitable[object]]
"""How an adapter waits (``asyncio.sleep``); tests pass one that records instead."""


MAX_CONNECTIONS = 256
"""Connections open at once per process, to all providers together; more requests wait in line."""


class ProviderTransport(AiohttpTransport):
    """httpx's API (so every adapter and its auth stay as they are) over aiohttp's connection pool.

    httpcore's pool re-examines every queued request against every connection whenever a
    request starts or ends: a burst of a few hundred searches cost 12-20 ms of CPU per request
    there, against 0.7 ms here (`python -m bench`). The library maps aiohttp's errors to
    httpx's; this makes the map precise where the project's write discipline depends on it: a
    connection that failed before the request went out is `ConnectError`/`ConnectTimeout`
    ("nothing was changed"), while one that broke after (server disconnected, reset mid-answer)
    must not say so: it becomes `RemoteProtocolError`, an outcome to find out."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.TransportError as exc:
            raise _precise(exc, request) from exc.__cause__
        except TimeoutError as exc:  # an aiohttp timeout the library's map does not name
            raise httpx.ReadTimeout("no answer in time", request=request) from exc


def _precise(exc: httpx.TransportError, request: httpx.Request) -> httpx.TransportError:
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ConnectionTimeoutError):  # no connection (or free slot) in time
        return httpx.ConnectTimeout("could not connect in time", request=request)
    if isinstance(cause, aiohttp.ClientConnectorError):  # refused, unresolvable: never sent
        return httpx.ConnectError("could not connect", request=request)
    if isinstance(cause, aiohttp.SocketTimeoutError):
        return httpx.ReadTimeout("no answer in time", request=request)
    if isinstance(exc, httpx.ConnectTimeout):  # any other broken connection: maybe sent
        return httpx.RemoteProtocolError("the connection broke", request=request)
    exc.request = request
    return exc


def create_http_client(timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.AsyncClient:
    """The one pool every provider shares; each call may tighten the timeout."""
    return httpx.AsyncClient(
        timeout=timeout,
        transport=ProviderTransport(limits=httpx.Limits(max_connections=MAX_CONNECTIONS)),
        headers={"User-Agent": "numberbot/0.1 (+https://github.com/numberbot)"},
        follow_redirects=False,
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds (delta or HTTP date), or None when absent or unreadable."""
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _RetryAfterOrBackoff:
    """Wait what the server asked for, else exponential backoff with jitter."""

    def __init__(self) -> None:
        self._backoff = wait_exponential_jitter(multiplier=0.2, max=4.0, jitter=0.2)

    def __call__(self, state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            response = outcome.result()
            asked = retry_after_seconds(response)
            if asked is not None:
                return min(asked, MAX_RETRY_WAIT)
        return self._backoff(state)


def _asks_too_long(state: RetryCallState) -> bool:
    outcome = state.outcome
    if outcome is None or outcome.failed:
        return False
    asked = retry_after_seconds(outcome.result())
    return asked is not None and asked > MAX_RETRY_WAIT


def json_object(response: httpx.Response) -> dict[str, Any]:
    """An answer's JSON object with its numbers as Decimal (prices stay exact, never a float);
    {} when the body is not a JSON object (an HTML error page, an empty answer)."""
    try:
        body = response.json(parse_float=Decimal)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def raise_for_common_status(label: str, response: httpx.Response, action: str) -> None:
    """The statuses every provider means the same by; adapters map the rest themselves."""
    status = response.status_code
    if status in (401, 403):
        raise ProviderAuthError(label)
    if status == 429:
        raise ProviderUnavailable(label, f"{action} was rate limited; try again in a minute")
    if status >= 500:
        raise ProviderUnavailable(label, f"{action} failed on {label}'s side (HTTP {status}); try again later")


class ProviderHttp:
    """One adapter's view of the shared client: its label for messages, its timeouts, how it
    waits between retries (`sleep`), and optionally where its provider is (`base_url`, which a
    path starting with ``/`` is joined to) and how every request signs in (`auth`)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        label: str,
        *,
        base_url: str = "",
        auth: httpx.Auth | None = None,
        attempts: int = 3,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.label = label
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.attempts = attempts
        self.sleep = sleep

    def _prepare(self, url: str | httpx.URL, kwargs: dict[str, Any], timeout: httpx.Timeout) -> str | httpx.URL:
        kwargs.setdefault("timeout", timeout)
        if self.auth is not None:
            kwargs.setdefault("auth", self.auth)
        return self.base_url + url if isinstance(url, str) and url.startswith("/") else url

    async def read(self, method: str, url: str | httpx.URL, *, action: str, **kwargs: Any) -> httpx.Response:
        """A call that changes nothing: retried on 429/5xx and transport errors."""
        url = self._prepare(url, kwargs, READ_TIMEOUT)
        retrying = AsyncRetrying(
            sleep=self.sleep,
            stop=stop_after_attempt(self.attempts) | _asks_too_long,
            wait=_RetryAfterOrBackoff(),
            retry=(
                retry_if_result(lambda r: r.status_code in RETRY_STATUSES)
                | retry_if_exception_type((httpx.TransportError,))
            ),
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,  # type: ignore[union-attr]
            reraise=True,
        )
        try:
            return await retrying(self.client.request, method, url, **kwargs)
        except httpx.TimeoutException:
            raise ProviderUnavailable(self.label, f"{action} timed out; try again later") from None
        except httpx.TransportError:
            raise ProviderUnavailable(self.label, f"could not reach {self.label} ({action}); try again later") from None

    async def write(self, method: str, url: str | httpx.URL, *, action: str, **kwargs: Any) -> httpx.Response:
        """A call that changes something: sent once; a lost answer is OutcomeUnknown."""
        url = self._prepare(url, kwargs, WRITE_TIMEOUT)
        try:
            return await self.client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            raise ProviderUnavailable(
                self.label, f"could not reach {self.label} ({action}); nothing was changed"
            ) from None
        except (httpx.TimeoutException, httpx.TransportError):
            raise OutcomeUnknown(self.label, f"{action} got no answer; checking whether it happened") from None
