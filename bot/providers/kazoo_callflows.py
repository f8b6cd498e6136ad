"""Kazoo callflows for the `kazoo` adapter: who routes a number, and forwarding through one.

Kazoo routes an inbound call by the callflow whose ``numbers`` holds the number (one callflow
per number at most: Kazoo refuses a second). The summary listing (``GET …/callflows``, paged)
gives each callflow's numbers; its flow comes from ``GET …/callflows/{id}``.

A forward is a flow whose root is the ``resources`` module with ``to_did`` (or ``offnet``,
its deprecated twin that always uses the system carriers): Kazoo dials ``to_did`` out through
the carriers instead of ringing anything inside Kazoo. ``resources`` picks the carriers by
``use_local_resources``, which defaults to true in Kazoo's callflow schema
(``callflows.resources.json``): the account's own carriers only. The bot always sends it,
from KAZOO_USE_LOCAL_RESOURCES (default false: the cluster's global carriers). The bot's
callflows are named ``numberbot: forward +…`` so that people reading them in Kazoo know
where they came from.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from bot.errors import ProviderError
from bot.phone import to_e164
from bot.providers.http import json_object
from bot.providers.kazoo_api import KazooApi, e164_of, reason, succeeded

__all__ = ["BOT_CALLFLOW", "Callflows", "Route"]

log = logging.getLogger(__name__)

BOT_CALLFLOW = "numberbot: forward"
DETAIL_CONCURRENCY = 4  # callflows fetched at once
_LIST = "/v2/accounts/{account}/callflows"


def _one(callflow_id: str) -> str:
    return f"{_LIST}/{quote(callflow_id, safe='')}"


@dataclass(frozen=True)
class Route:
    """The callflow that owns a number, and where it sends calls when it only forwards."""

    callflow_id: str
    name: str
    listed: tuple[str, ...]  # its numbers as Kazoo holds them (extensions too)
    flow: Mapping[str, Any]

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(n for n in (e164_of(x) for x in self.listed) if n is not None)

    @property
    def ours(self) -> bool:
        return self.name.startswith(BOT_CALLFLOW)

    @property
    def forward_to(self) -> str | None:
        data = self.flow.get("data")
        if self.flow.get("module") not in ("resources", "offnet") or not isinstance(data, Mapping):
            return None
        target = data.get("to_did")
        return (to_e164(target) or target) if isinstance(target, str) and target else None

    @property
    def replaceable(self) -> bool:
        """The bot may change it: its own, or a plain one-number forward someone made by hand."""
        plain = not self.flow.get("children") and len(self.listed) == 1
        return self.ours or (plain and self.forward_to is not None)


class Callflows:
    def __init__(self, api: KazooApi, *, use_local_resources: bool = False) -> None:
        """`use_local_resources`: the carriers the bot's own forwards leave through."""
        self._api = api
        self._local = use_local_resources

    async def routes(self, numbers: set[str]) -> dict[str, Route]:
        """The callflow owning each of `numbers` that has one."""
        if not numbers:
            return {}
        owners: list[str] = []
        for page in await self._api.pages(_LIST, action="reading the account's callflows"):
            for summary in page if isinstance(page, list) else ():
                listed = summary.get("numbers") if isinstance(summary, Mapping) else None
                mine = {e164_of(n) for n in listed} if isinstance(listed, list) else set()
                if mine & numbers and isinstance(summary.get("id"), str):
                    owners.append(summary["id"])
        limit = asyncio.Semaphore(DETAIL_CONCURRENCY)
        results = await asyncio.gather(*(self._fetch(i, limit) for i in owners), return_exceptions=True)
        routes: dict[str, Route] = {}
        for result in results:  # raised only once every fetch has settled
            if isinstance(result, BaseException):
                raise result
            if result is not None:
                routes.update({n: result for n in result.numbers if n in numbers})
        return routes

    async def _fetch(self, callflow_id: str, limit: asyncio.Semaphore) -> Route | None:
        action = "reading a callflow"
        async with limit:
            response = await self._api.request("GET", _one(callflow_id), action=action)
        if response.status_code == 404:  # deleted meanwhile
            return None
        if not succeeded(response):
            self._api.fail(response, action)
        doc = json_object(response).get("data")
        if not isinstance(doc, Mapping):
            return None
        listed = doc.get("numbers") if isinstance(doc.get("numbers"), list) else []
        flow = doc.get("flow") if isinstance(doc.get("flow"), Mapping) else {}
        name = str(doc.get("name") or "")
        return Route(callflow_id=callflow_id, name=name, listed=tuple(str(n) for n in listed), flow=flow)

    async def forward(self, e164: str, destination: str, route: Route | None, *, action: str) -> httpx.Response:
        """Make the bot's forward callflow, or point `route` (replaceable) at `destination`.

        A new one uses ``resources`` with ``use_local_resources`` from the setting. An existing
        forward keeps its module and options, only ``to_did`` changes, except that the bot's
        own ``resources`` callflow follows the setting too. Sent once; a lost answer raises
        OutcomeUnknown.
        """
        flow: dict[str, Any] = {"module": "resources", "data": {}, "children": {}}
        if route is not None and route.forward_to is not None:
            flow = {**route.flow, "data": dict(route.flow.get("data") or {})}
        if route is None or (route.ours and flow.get("module") == "resources"):
            flow["data"]["use_local_resources"] = self._local
        flow["data"]["to_did"] = destination
        # The callflow keeps any other numbers someone added to it.
        numbers = list(route.listed) if route is not None else [e164]
        doc = {"name": route.name if route else f"{BOT_CALLFLOW} {e164}", "numbers": numbers, "flow": flow}
        if route is None:
            return await self._api.request("PUT", _LIST, body={"data": doc}, action=action, write=True)
        return await self._api.request("POST", _one(route.callflow_id), body={"data": doc}, action=action, write=True)

    async def drop(self, callflow_id: str | None) -> None:
        """Remove the bot's callflow of a released number; a failure only leaves it unused."""
        if not callflow_id:
            return
        try:
            response = await self._api.request(
                "DELETE", _one(callflow_id), action="removing the forward callflow", write=True
            )
        except ProviderError as exc:
            log.warning("kazoo callflow not removed", extra={"callflow": callflow_id, "reason": exc.user_message})
            return
        if not succeeded(response) and response.status_code != 404:
            log.warning("kazoo callflow not removed", extra={"callflow": callflow_id, "reason": reason(response)})
