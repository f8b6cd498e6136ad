"""A local stand-in for Slack's Web API and response_url endpoints.

The console points the app at it so that everything the bot would send to Slack arrives
here instead, recorded in order and handed to whoever listens (the console prints it;
tests assert on it). It answers like Slack for the methods the bot uses, and refuses what
Slack refuses: a ``chat.*`` message with invalid blocks gets ``invalid_blocks``, a
``views.*`` view ``invalid_arguments`` (both with Slack's ``[ERROR] … [json-pointer:…]``
lines in ``response_metadata.messages``), a ``response_url`` post HTTP 400
``invalid_blocks``. Every refusal is kept in ``refusals``; the tests fail on one they did
not expect, the console prints it.

Files go through files.uploadV2's three steps as Slack has them: ``files.getUploadURLExternal``
(filename and length required) gives an id and an upload URL, the bytes are posted there,
``files.completeUploadExternal`` finishes them (an id never uploaded is ``file_not_found``).
Only a finished file can be shown by an image block's ``slack_file`` id; ``files`` keeps them.
Channels exist only once added (`add_channel`): ``conversations.info`` answers
``channel_not_found`` for any other one (and for a private one the bot is not in), and
``conversations.members`` pages the members with ``limit`` and ``next_cursor`` as Slack does.
Slack can be made slow (`delays`), to rate limit a method (HTTP 429 with ``Retry-After``,
`rate_limit`) or to be unreachable altogether (`go_down`, then `come_back` on the same address).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.console.block_kit import message_problems, view_problems

__all__ = ["Call", "Channel", "SlackStub"]

BOT_USER = "UNUMBERBOT"
MESSAGES = ("chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage")
VIEWS = ("views.open", "views.update", "views.publish", "views.push")


@dataclass
class Call:
    """One request the bot made: a Web API method, or a post to a response_url."""

    kind: str  # "api" or "respond"
    method: str  # API method name, or the response_url key
    data: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    answer: dict[str, Any] = field(default_factory=dict)  # what the stub replied
    problems: list[str] = field(default_factory=list)  # why Slack would refuse it (empty: accepted)

    @property
    def refused(self) -> bool:
        return bool(self.problems)

    @property
    def text(self) -> str:
        return str(self.data.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.data.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


@dataclass
class Channel:
    """A conversation as Slack knows it: who is in it, whether the bot is, private, archived."""

    id: str
    name: str
    members: list[str] = field(default_factory=list)
    private: bool = False
    archived: bool = False
    bot_member: bool = True


class SlackStub:
    def __init__(self, *, team_id: str = "T0CONSOLE") -> None:
        self.team_id = team_id
        self.calls: list[Call] = []
        self.listeners: list[Callable[[Call], None]] = []
        self.failures: dict[str, str] = {}  # method → Slack error to answer with
        self.refusals: list[Call] = []  # what Slack would have refused (see the module docstring)
        self.files: dict[str, dict[str, Any]] = {}  # file id → its name, bytes, and whether it is finished
        self.channels: dict[str, Channel] = {}
        self.rate_limits: dict[str, int] = {}  # method → Retry-After seconds of its 429 answers
        self.delays: dict[str, float] = {}  # method → seconds Slack takes to answer it
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.base_url = ""
        self._address: tuple[str, int] | None = None

    def add_channel(
        self, channel_id: str, *, name: str | None = None, members: Iterable[str] = (), **flags: bool
    ) -> Channel:
        """A channel Slack knows (`private`, `archived`, `bot_member` as flags)."""
        channel = Channel(id=channel_id, name=name or channel_id.lower(), members=list(members), **flags)
        self.channels[channel_id] = channel
        return channel

    def rate_limit(self, method: str, retry_after: int | None) -> None:
        """Answer `method` with HTTP 429 and this Retry-After from now on (None: stop)."""
        if retry_after is None:
            self.rate_limits.pop(method, None)
        else:
            self.rate_limits[method] = retry_after

    # -- lifecycle ------------------------------------------------------------------

    async def go_down(self) -> None:
        """Slack unreachable: nothing listens at its address until `come_back`."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def come_back(self) -> None:
        assert self._address is not None
        await self.start(*self._address)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads conversations.* with GET
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_put("/upload/{file_id}", self._upload)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        bound = sockets[0].getsockname()[1]
        self._address = (host, bound)
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

    def finished(self) -> list[str]:
        """The ids of the files uploaded and completed (what an image block may show)."""
        return [file_id for file_id, file in self.files.items() if file.get("complete")]

    def take_refusals(self) -> list[Call]:
        """The refusals so far, forgotten from now on (a test that expects one takes it)."""
        taken, self.refusals = self.refusals, []
        return taken

    def refusal_report(self) -> str:
        """The refusals as lines: what was sent, and why Slack would refuse it."""
        return "\n".join(f"{c.method}: {'; '.join(c.problems)}" for c in self.refusals)

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
        if call.refused:
            self.refusals.append(call)
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
        problems = _problems(method, data, self.finished())
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        if method in self.rate_limits:
            answer = {"ok": False, "error": "ratelimited"}
            await self._record(Call("api", method, data, headers, answer))
            retry_after = str(self.rate_limits[method])
            return web.json_response(answer, status=429, headers={"Retry-After": retry_after})
        if problems:
            error = "invalid_arguments" if method in VIEWS else "invalid_blocks"
            answer = {
                "ok": False,
                "error": error,
                "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
            }
            if error == "invalid_blocks":
                answer["errors"] = problems
        elif method in self.failures:
            answer = {"ok": False, "error": self.failures[method]}
        else:
            answer = self._answer(method, data)
        await self._record(Call("api", method, data, headers, answer, problems))
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
                if refused := self._post_refused(data):
                    return {"ok": False, "error": refused}
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
                if not data.get("filename") or not str(data.get("length", "")).isdigit():
                    return {"ok": False, "error": "invalid_arguments"}
                file_id = f"F{next(self._ts)}"
                self.files[file_id] = {"filename": data["filename"], "length": int(data["length"])}
                return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
            case "files.completeUploadExternal":
                return self._complete(data)
            case "files.delete":
                if self.files.pop(str(data.get("file")), None) is None:
                    return {"ok": False, "error": "file_not_found"}
            case "conversations.info":
                return self._conversation(data)
            case "conversations.members":
                return self._members(data)
        return {"ok": True}

    def _complete(self, data: dict[str, Any]) -> dict[str, Any]:
        listed = _files(data)
        if not listed or any("content" not in self.files.get(f.get("id"), {}) for f in listed):
            return {"ok": False, "error": "file_not_found"}
        for f in listed:
            self.files[f["id"]].update(
                complete=True, title=f.get("title", ""), channel=data.get("channel_id"), thread=data.get("thread_ts")
            )
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in listed]}

    def _post_refused(self, data: dict[str, Any]) -> str | None:
        """Slack's refusal of a post into a channel it knows: archived, or private without the bot
        (with chat:write.public the bot posts into any public channel without joining)."""
        channel = self.channels.get(str(data.get("channel", "")))
        if channel is None:
            return None
        if channel.private and not channel.bot_member:
            return "channel_not_found"
        return "is_archived" if channel.archived else None

    def _visible(self, data: dict[str, Any]) -> Channel | None:
        """The channel the bot can see (a private one only when it is in it)."""
        channel = self.channels.get(str(data.get("channel", "")))
        return channel if channel is not None and (channel.bot_member or not channel.private) else None

    def _conversation(self, data: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible(data)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        about = {"id": channel.id, "name": channel.name, "is_channel": not channel.private, "is_group": channel.private}
        about |= {"is_private": channel.private, "is_archived": channel.archived, "is_member": channel.bot_member}
        return {"ok": True, "channel": about | {"is_im": False, "is_mpim": False}}

    def _members(self, data: dict[str, Any]) -> dict[str, Any]:
        channel = self._visible(data)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        try:
            limit = min(max(int(data.get("limit") or 100), 1), 1000)
            cursor = str(data.get("cursor") or "")
            start = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
        except ValueError:
            return {"ok": False, "error": "invalid_cursor"}
        page = channel.members[start : start + limit]
        more = start + limit < len(channel.members)
        following = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": following}}

    async def _respond(self, request: web.Request) -> web.Response:
        data = await self._payload(request)
        problems = message_problems(_decoded(data, "blocks"), self.finished())
        await self._record(Call("respond", request.match_info["key"], data, problems=problems))
        if problems:
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        file_id, body = request.match_info["file_id"], await request.read()
        if file_id in self.files:
            self.files[file_id]["content"] = body
        try:
            shown = body.decode("utf-8")
        except UnicodeDecodeError:
            shown = f"({len(body)} bytes of {self.files.get(file_id, {}).get('filename', 'a file')})"
        await self._record(Call("upload", file_id, {"content": shown, "size": len(body)}))
        return web.Response(text="OK - uploaded")


def _decoded(data: dict[str, Any], key: str) -> dict[str, Any]:
    """`data` with `key` parsed when it arrived as a JSON string (form-encoded calls)."""
    value = data.get(key)
    if not isinstance(value, str):
        return data
    try:
        return {**data, key: json.loads(value)}
    except ValueError:
        return {**data, key: None}


def _problems(method: str, data: dict[str, Any], files: list[str]) -> list[str]:
    """Why Slack would refuse this Web API call's blocks or view (empty: it would not)."""
    if method in MESSAGES:
        return message_problems(_decoded(data, "blocks"), files)
    if method == "views.publish" and not data.get("user_id"):
        return ["missing required field: user_id [json-pointer:/user_id]"]
    if method in VIEWS:
        return view_problems(_decoded(data, "view").get("view"), files)
    return []


def _files(data: dict[str, Any]) -> list[dict[str, Any]]:
    files = data.get("files") or []
    return json.loads(files) if isinstance(files, str) else list(files)
