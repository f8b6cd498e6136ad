"""A local stand-in for Slack's Web API and response_url endpoints.

The console points the app at it so that everything the bot would send to Slack arrives
here instead, recorded in order and handed to whoever listens (the console prints it;
tests assert on it). It answers like Slack for the methods the bot uses.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

__all__ = ["Call", "SlackStub"]

BOT_USER = "UNUMBERBOT"


@dataclass
class Call:
    """One request the bot made: a Web API method, or a post to a response_url."""

    kind: str  # "api" or "respond"
    method: str  # API method name, or the response_url key
    data: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    answer: dict[str, Any] = field(default_factory=dict)  # what the stub replied

    @property
    def text(self) -> str:
        return str(self.data.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.data.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


class SlackStub:
    def __init__(self, *, team_id: str = "T0CONSOLE") -> None:
        self.team_id = team_id
        self.calls: list[Call] = []
        self.listeners: list[Callable[[Call], None]] = []
        self.failures: dict[str, str] = {}  # method → Slack error to answer with
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.base_url = ""

    # -- lifecycle ------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_put("/upload/{file_id}", self._upload)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        bound = sockets[0].getsockname()[1]
        self.base_url = f"http://{host}:{bound}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base_url}/respond/{key}"

    # -- what was received ----------------------------------------------------------

    def api_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.kind == "api" and c.method == method]

    def responses(self, key: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.kind == "respond" and (key is None or c.method == key)]

    async def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 10.0) -> list[Call]:
        """Wait until the recorded calls satisfy `predicate`; TimeoutError otherwise."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self.calls))

        await asyncio.wait_for(until(), timeout)
        return self.calls

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        async with self._changed:
            self._changed.notify_all()

    # -- endpoints ------------------------------------------------------------------

    @staticmethod
    async def _payload(request: web.Request) -> dict[str, Any]:
        raw = await request.text()
        if not raw:
            return {}
        if request.content_type == "application/json":
            return dict(json.loads(raw))
        return dict(parse_qsl(raw))

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        data = await self._payload(request)
        data.update(dict(request.query))
        headers = {k.lower(): v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")}
        if method in self.failures:
            answer = {"ok": False, "error": self.failures[method]}
        else:
            answer = self._answer(method, data)
        await self._record(Call("api", method, data, headers, answer))
        return web.json_response(answer)

    def _answer(self, method: str, data: dict[str, Any]) -> dict[str, Any]:
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        match method:
            case "auth.test":
                return {
                    "ok": True,
                    "user_id": BOT_USER,
                    "user": "numberbot",
                    "team_id": self.team_id,
                    "bot_id": "B0NUMBERBOT",
                    "team": "console",
                }
            case "chat.postMessage":
                return {
                    "ok": True,
                    "channel": data.get("channel"),
                    "ts": ts,
                    "message": {"text": data.get("text"), "ts": ts},
                }
            case "chat.update":
                return {"ok": True, "channel": data.get("channel"), "ts": data.get("ts"), "text": data.get("text")}
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            case "conversations.open":
                return {"ok": True, "channel": {"id": "D0" + str(data.get("users", "X")).replace(",", "")[:9]}}
            case "views.open" | "views.update" | "views.publish" | "views.push":
                return {
                    "ok": True,
                    "view": {
                        "id": f"V{next(self._ts)}",
                        **(data.get("view") if isinstance(data.get("view"), dict) else {}),
                    },
                }
            case "files.getUploadURLExternal":
                file_id = f"F{next(self._ts)}"
                return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
            case "files.completeUploadExternal":
                return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in _files(data)]}
        return {"ok": True}

    async def _respond(self, request: web.Request) -> web.Response:
        await self._record(Call("respond", request.match_info["key"], await self._payload(request)))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        await self._record(Call("upload", request.match_info["file_id"], {"content": body.decode("utf-8", "replace")}))
        return web.Response(text="OK - uploaded")


def _files(data: dict[str, Any]) -> list[dict[str, Any]]:
    files = data.get("files") or []
    return json.loads(files) if isinstance(files, str) else list(files)
