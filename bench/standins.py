"""Local stand-ins the benchmark points both apps at: a provider that answers after a delay.

The provider speaks Vonage's Numbers API wire format (the bot's Vonage adapter is used as is):
``GET /number/search`` and ``GET /account/numbers``, each answered after ``latency`` seconds.
Slack is bot.console.slack_stub.SlackStub (what the console and the tests use).
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

__all__ = ["SlowVonage"]


class SlowVonage:
    def __init__(self, *, latency: float, owned: int = 0) -> None:
        self.latency = latency
        self.owned = [f"1415555{i:04d}" for i in range(owned)]
        self.calls = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/number/search", self._search)
        app.router.add_get("/account/numbers", self._account)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _search(self, request: web.Request) -> web.Response:
        self.calls += 1
        await asyncio.sleep(self.latency)
        size = int(request.query.get("size", "10"))
        numbers = [
            {"country": "US", "msisdn": f"1415666{i:04d}", "type": "landline", "features": ["SMS", "VOICE"],
             "cost": "0.90"}
            for i in range(size)
        ]  # fmt: skip
        return web.json_response({"count": size, "numbers": numbers})

    async def _account(self, request: web.Request) -> web.Response:
        self.calls += 1
        await asyncio.sleep(self.latency)
        index, size = int(request.query.get("index", "1")), int(request.query.get("size", "10"))
        pattern = request.query.get("pattern")
        chosen = [m for m in self.owned if pattern is None or m.startswith(pattern)]
        page = chosen[(index - 1) * size : index * size]
        body: dict[str, Any] = {"count": len(chosen)}
        if page:
            body["numbers"] = [{"country": "US", "msisdn": m, "type": "landline", "features": ["VOICE"]} for m in page]
        return web.json_response(body)
