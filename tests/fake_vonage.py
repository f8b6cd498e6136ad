"""A Vonage Numbers API stand-in on a real local port, for bot processes under test.

Provider mocks with respx only work inside the test process; a `python -m bot` subprocess
needs a real HTTP server to talk to. This one speaks Vonage's wire format (form posts,
`error-code`, `/account/numbers` with pattern matching) and lets a test decide how a buy
behaves: answer at once, answer late after buying, or answer late without buying.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from aiohttp import web

from tests.redis_server import free_port

__all__ = ["FakeVonage"]


class FakeVonage:
    def __init__(self) -> None:
        self.owned: dict[str, dict[str, Any]] = {}
        self.requests: Counter[str] = Counter()
        self.buy_mode = "ok"  # ok | late-bought | late-not-bought | delayed-ok
        self.delay = 3.0
        self.buy_received = asyncio.Event()
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/number/search", self._search)
        app.router.add_post("/number/buy", self._buy)
        app.router.add_post("/number/cancel", self._cancel)
        app.router.add_post("/number/update", self._update)
        app.router.add_get("/account/numbers", self._account)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @staticmethod
    def offer(msisdn: str) -> dict[str, Any]:
        return {"country": "GB", "msisdn": msisdn, "cost": "1.25", "type": "landline", "features": ["VOICE", "SMS"]}

    async def _search(self, request: web.Request) -> web.Response:
        self.requests["search"] += 1
        numbers = [self.offer(m) for m in ("442079460001", "442079460002") if m not in self.owned]
        return web.json_response({"count": len(numbers), "numbers": numbers})

    async def _form(self, request: web.Request) -> dict[str, str]:
        form = dict(await request.post())
        return {k: str(v) for k, v in form.items()}

    async def _buy(self, request: web.Request) -> web.Response:
        form = await self._form(request)
        msisdn = form["msisdn"]
        self.requests["buy"] += 1
        self.buy_received.set()
        if msisdn in self.owned:
            return web.json_response({"error-code": "420", "error-code-label": "method failed"}, status=420)
        if self.buy_mode in ("ok", "late-bought", "delayed-ok"):
            if self.buy_mode == "delayed-ok":
                await asyncio.sleep(self.delay)
            self.owned[msisdn] = {**self.offer(msisdn), "voiceCallbackType": None, "voiceCallbackValue": None}
        if self.buy_mode in ("late-bought", "late-not-bought"):
            await asyncio.sleep(3600)  # the answer never comes back in time
        return web.json_response({"error-code": "200", "error-code-label": "success"})

    async def _cancel(self, request: web.Request) -> web.Response:
        form = await self._form(request)
        self.requests["cancel"] += 1
        if self.owned.pop(form["msisdn"], None) is None:
            return web.json_response({"error-code": "420", "error-code-label": "method failed"}, status=420)
        return web.json_response({"error-code": "200", "error-code-label": "success"})

    async def _update(self, request: web.Request) -> web.Response:
        form = await self._form(request)
        self.requests["update"] += 1
        number = self.owned.get(form["msisdn"])
        if number is None:
            return web.json_response({"error-code": "420", "error-code-label": "method failed"}, status=420)
        number["voiceCallbackType"] = form.get("voiceCallbackType")
        number["voiceCallbackValue"] = form.get("voiceCallbackValue")
        return web.json_response({"error-code": "200", "error-code-label": "success"})

    async def _account(self, request: web.Request) -> web.Response:
        self.requests["account"] += 1
        pattern = request.query.get("pattern", "")
        how = request.query.get("search_pattern", "1")
        matches = {
            "0": lambda m: m.startswith(pattern),
            "1": lambda m: pattern in m,
            "2": lambda m: m.endswith(pattern),
        }[how]
        numbers = [dict(n) for m, n in sorted(self.owned.items()) if matches(m)]
        size = int(request.query.get("size", "10"))
        index = int(request.query.get("index", "1"))
        page = numbers[(index - 1) * size : index * size]
        body: dict[str, Any] = {"count": len(numbers)}
        if page:
            body["numbers"] = page
        return web.json_response(body)
