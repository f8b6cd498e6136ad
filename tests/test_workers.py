"""WEB_CONCURRENCY: several worker processes on one port, metrics summed across them, SIGTERM for all."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from bot.console import payloads
from bot.console.slack_stub import SlackStub
from tests.processes import SECRET, bot_process
from tests.redis_server import RedisProcess

pytestmark = pytest.mark.redis_server


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found |= {int(c) for c in task.read_text().split()}
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def acked(client: httpx.AsyncClient, base: str, slack: SlackStub, n: int) -> None:
    body = payloads.slash_command(
        team_id="T0PROC", user_id="U0ADMIN", channel_id="C0PROC", text="help",
        response_url=slack.response_url(f"w{n}"), trigger_id="t",
    )  # fmt: skip
    answer = await client.post(f"{base}/slack/events", content=body, headers=payloads.signed_headers(SECRET, body))
    assert answer.status_code == 200
    assert "Your role" in answer.text


def sample(text: str, name: str) -> float:
    """The value of one exposition line, e.g. name = 'numberbot_acks_total{outcome="ok",request="command:help"}'."""
    for line in text.splitlines():
        if line.split(" ")[0] == name:
            return float(line.split(" ")[1])
    return 0.0


async def test_two_workers_share_the_port_and_the_metrics_and_stop_together_on_sigterm(
    redis_server: RedisProcess, slack: SlackStub
) -> None:
    extra = {"WEB_CONCURRENCY": "2"}
    async with bot_process(redis_server.url, slack, **extra) as (process, base), httpx.AsyncClient() as client:
        workers = children(process.pid)
        assert len(workers) == 2, "two worker processes under the parent"

        # Fresh connections each time, so the kernel spreads them over both workers.
        for n in range(40):
            async with httpx.AsyncClient() as fresh:
                await acked(fresh, base, slack, n)
        scraped = (await client.get(f"{base}/metrics")).text
        assert sample(scraped, 'numberbot_acks_total{outcome="ok",request="command:help"}') == 40.0
        served_by = {line for line in scraped.splitlines() if line.startswith("numberbot_ack_seconds_count")}
        assert served_by, "the ack latency histogram is there"

        killed = next(iter(workers))
        os.kill(killed, signal.SIGKILL)  # a worker that dies is replaced
        for _ in range(100):
            if len(children(process.pid) - {killed}) == 2:
                break
            await asyncio.sleep(0.1)
        assert len(children(process.pid) - {killed}) == 2
        await acked(client, base, slack, 99)

        everyone = children(process.pid)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 11) == 0
        assert time.monotonic() - started < 10.5
        assert not any(alive(pid) for pid in everyone), "no worker outlives the parent"
