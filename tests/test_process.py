"""`python -m bot` as a real process: HTTP on $PORT, /health, signed events, SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest

from bot.console import payloads
from bot.console.slack_stub import SlackStub
from tests.processes import SECRET, bot_process
from tests.redis_server import RedisProcess, free_port

pytestmark = pytest.mark.redis_server


async def test_the_server_answers_health_and_signed_commands_and_stops_on_sigterm(
    redis_server: RedisProcess, slack: SlackStub
) -> None:
    async with bot_process(redis_server.url, slack) as (process, base), httpx.AsyncClient() as client:
        health = await client.get(f"{base}/health")
        assert health.status_code == 200
        assert health.json()["redis"]["reachable"] is True

        body = payloads.slash_command(
            team_id="T0PROC", user_id="U0ADMIN", channel_id="C0PROC", text="search US 206 --limit 2",
            response_url=slack.response_url("proc"), trigger_id="t",
        )  # fmt: skip
        answer = await client.post(f"{base}/slack/events", content=body, headers=payloads.signed_headers(SECRET, body))
        assert answer.status_code == 200
        assert "Searching US" in answer.text
        await slack.wait_for(lambda calls: any(c.method == "proc" for c in calls), timeout=10)
        assert "+1206" in slack.responses("proc")[-1].text

        forged = await client.post(f"{base}/slack/events", content=body, headers=payloads.signed_headers("wrong", body))
        assert forged.status_code == 401

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 10) == 0
        assert time.monotonic() - started < 10


async def test_health_is_503_while_redis_is_down(slack: SlackStub) -> None:
    async with bot_process(f"redis://127.0.0.1:{free_port()}/0", slack) as (_, base), httpx.AsyncClient() as client:
        health = await client.get(f"{base}/health")
        assert health.status_code == 503
        assert health.json()["redis"]["reachable"] is False
