"""Socket Mode: with SLACK_APP_TOKEN set, `python -m bot` takes requests over Slack's WebSocket."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import httpx
from aiohttp import WSMsgType, web

from tests.redis_server import RedisProcess, free_port


class FakeSocketSlack:
    """apps.connections.open plus a WebSocket that sends one slash command envelope."""

    def __init__(self) -> None:
        self.acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.responses: list[dict[str, Any]] = []
        self.app_tokens: list[str] = []
        self.closed = asyncio.Event()
        self.base = ""

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/api/apps.connections.open", self.open)
        app.router.add_post("/api/auth.test", self.auth_test)
        app.router.add_get("/ws", self.socket)
        app.router.add_post("/respond/{key}", self.respond)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self.base = f"http://127.0.0.1:{port}"
        return runner

    async def open(self, request: web.Request) -> web.Response:
        self.app_tokens.append(request.headers.get("Authorization", ""))
        return web.json_response({"ok": True, "url": self.base.replace("http", "ws") + "/ws"})

    async def auth_test(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "user_id": "UBOT", "team_id": "T0SOCK", "bot_id": "B1"})

    async def respond(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        return web.Response(text="ok")

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})
        envelope = {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "team_id": "T0SOCK", "user_id": "U0ADMIN", "channel_id": "C0SOCK", "command": "/number",
                "text": "help", "response_url": f"{self.base}/respond/sock", "trigger_id": "t",
            },
        }  # fmt: skip
        await ws.send_json(envelope)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await self.acks.put(json.loads(message.data))
        self.closed.set()
        return ws


async def test_socket_mode_acks_over_the_websocket_and_closes_on_sigterm(redis_server: RedisProcess) -> None:
    fake = FakeSocketSlack()
    runner = await fake.start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK", "REDIS", "BOT_"))}
    env.update(
        {
            "PORT": str(port),
            "SLACK_BOT_TOKEN": "xoxb-sock",
            "SLACK_APP_TOKEN": "xapp-1-sock",
            "SLACK_API_URL": f"{fake.base}/api/",
            "REDIS_URL": redis_server.url,
            "BOT_ADMINS": "U0ADMIN",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        ack = await asyncio.wait_for(fake.acks.get(), 20)
        assert ack["envelope_id"] == "env-1"
        assert "Your role: *admin*" in json.dumps(ack["payload"])
        assert fake.app_tokens == ["Bearer xapp-1-sock"]
        async with httpx.AsyncClient() as client:
            health = await client.get(f"http://127.0.0.1:{port}/health")
            assert health.status_code == 200
            events = await client.post(f"http://127.0.0.1:{port}/slack/events", content=b"")
            assert events.status_code == 404, "Socket Mode takes no HTTP events"
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 10) == 0
        assert time.monotonic() - started < 10
        await asyncio.wait_for(fake.closed.wait(), 5)
    finally:
        if process.poll() is None:
            process.kill()
        await runner.cleanup()
