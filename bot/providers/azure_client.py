"""The Azure Communication Services Phone Numbers wire: signed requests, errors, operations.

One `AzureClient` per adapter: it signs every request (bot.providers.azure_auth), adds the
api-version, gives every call its own timeout, maps error answers into bot errors with
Azure's own reason, follows long-running operations and pages through ``nextLink``. It
knows nothing of purchases or pools; bot.providers.azure decides what the answers mean.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

import httpx

from bot.errors import OutcomeUnknown, ProviderAuthError, ProviderError, ProviderRefused
from bot.providers.azure_auth import AzureHmacAuth
from bot.providers.azure_wire import describe_error, reason
from bot.providers.http import ProviderHttp, Sleep, json_object, raise_for_common_status, retry_after_seconds

__all__ = ["API_VERSION", "AzureClient", "OperationStatus", "segment"]

log = logging.getLogger(__name__)

API_VERSION = "2025-06-01"
PAGE_SIZE = 100  # `top` for GET /phoneNumbers; later pages come from `nextLink`
MAX_PAGES = 500
POLL_INTERVAL = 2.0  # between operation polls when Azure sends no Retry-After
POLL_BUDGET = 60.0  # seconds of waiting per attempt before the outcome is "still running"
MAX_POLLS = 60
MAX_POLL_WAIT = 10.0  # the longest single wait a Retry-After may ask for

OperationStatus = Literal["succeeded", "failed", "unknown"]


def segment(value: str) -> str:
    """One URL path segment, percent-encoded (a number's `+` becomes %2B)."""
    return quote(value, safe="")


class AzureClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        label: str,
        endpoint: str,
        access_key: str,
        poll_interval: float = POLL_INTERVAL,
        poll_budget: float = POLL_BUDGET,
        max_polls: int = MAX_POLLS,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`sleep` is how both read retries and operation polls wait (tests record instead)."""
        self.label = label
        self._http = ProviderHttp(http, label, sleep=sleep)
        self._auth = AzureHmacAuth(access_key, clock=clock)
        self._base = endpoint.rstrip("/")  # scheme and port honoured as given
        self._origin = httpx.URL(self._base)
        self._poll_interval = poll_interval
        self._poll_budget = poll_budget
        self._max_polls = max_polls
        self._sleep = sleep

    async def send(
        self,
        method: str,
        target: str | httpx.URL,
        *,
        action: str,
        body: dict[str, Any] | None = None,
        content_type: str = "application/json",
        params: dict[str, Any] | None = None,
        write: bool = False,
    ) -> httpx.Response:
        """One signed request: `write` ones are sent once, the rest retried (ProviderHttp)."""
        if isinstance(target, str):
            target = self._base + target
            params = {"api-version": API_VERSION, **(params or {})}
        headers = {"Accept": "application/json"}
        kwargs: dict[str, Any] = {"auth": self._auth, "headers": headers}
        if params is not None:
            kwargs["params"] = params
        if body is not None:
            kwargs["content"] = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = content_type
        send = self._http.write if write else self._http.read
        return await send(method, target, action=action, **kwargs)

    def raise_for(self, response: httpx.Response, action: str) -> None:
        """An error answer as a bot error, with Azure's own reason."""
        if response.status_code in (401, 403):
            raise ProviderAuthError(
                self.label,
                f"{self.label} rejected the credentials ({reason(response)}); "
                "check AZURE_COMMUNICATION_CONNECTION_STRING",
            )
        raise_for_common_status(self.label, response, action)
        raise ProviderRefused(self.label, f"{action} failed: {reason(response)}")

    def unknown(self, exc: ProviderError, what: str) -> OutcomeUnknown:
        return OutcomeUnknown(self.label, f"{what} ({exc.user_message.removeprefix(self.label + ': ')})")

    async def read_json(self, path: str, *, action: str, missing_ok: bool = False) -> dict[str, Any] | None:
        """GET a resource; None when it is not there (404) and `missing_ok`."""
        response = await self.send("GET", path, action=action)
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code != 200:
            self.raise_for(response, action)
        return json_object(response)

    # -- long-running operations ---------------------------------------------------------

    async def poll(self, op_id: str, action: str) -> tuple[OperationStatus, str | None]:
        """Poll until succeeded or failed; "unknown" when Azure no longer knows the operation.

        Bounded by the poll budget and count; Retry-After decides each wait (capped). A
        status may go back from running to notStarted: only the two final ones end it.
        """
        waited, status = 0.0, ""
        for _ in range(self._max_polls):
            response = await self.send("GET", f"/phoneNumbers/operations/{segment(op_id)}", action=action)
            if response.status_code == 404:
                return "unknown", None
            if response.status_code != 200:
                self.raise_for(response, action)
            body = json_object(response)
            status = str(body.get("status") or "").lower()
            log.debug("azure operation polled", extra={"operation": op_id, "status": status})
            if status == "succeeded":
                return "succeeded", None
            if status == "failed":
                return "failed", describe_error(body.get("error")) or f"{self.label} reported the operation as failed"
            asked = retry_after_seconds(response)
            delay = self._poll_interval if asked is None else min(asked, MAX_POLL_WAIT)
            if waited + delay > self._poll_budget:
                break
            await self._sleep(delay)
            waited += delay
        raise OutcomeUnknown(self.label, f"{action} is still {status or 'pending'} at Azure; the bot keeps checking")

    async def follow(self, op_id: str, action: str) -> tuple[OperationStatus, str | None]:
        """Poll an operation Azure accepted: any failure to read it leaves the outcome unknown."""
        try:
            return await self.poll(op_id, action)
        except OutcomeUnknown:
            raise
        except ProviderError as exc:
            raise self.unknown(exc, f"{action} was accepted but its progress could not be read") from None

    # -- paging ----------------------------------------------------------------------------

    async def pages(self, path: str, item: str, *, action: str) -> list[dict[str, Any]]:
        """Every item of a paged list, following `nextLink` (relative or absolute)."""
        target: str | httpx.URL = path
        params: dict[str, Any] | None = {"top": PAGE_SIZE}
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            response = await self.send("GET", target, action=action, params=params)
            if response.status_code != 200:
                self.raise_for(response, action)
            body = json_object(response)
            found = body.get(item)
            items += [raw for raw in found if isinstance(raw, dict)] if isinstance(found, list) else []
            link = body.get("nextLink")
            if not link or str(link) in seen:
                break
            seen.add(str(link))
            target, params = self._next_page(str(link)), None
        return items

    def _next_page(self, link: str) -> httpx.URL:
        """A nextLink at this endpoint (signed requests go nowhere else), with our api-version."""
        url = self._origin.join(link)
        url = url.copy_with(scheme=self._origin.scheme, host=self._origin.host, port=self._origin.port)
        return url.copy_set_param("api-version", API_VERSION)
