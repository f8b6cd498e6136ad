"""`python -m bot` as a real subprocess, for tests that need a real process (signals, crashes)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.console.slack_stub import SlackStub
from tests.redis_server import free_port

__all__ = ["SECRET", "bot_process"]

SECRET = "process-signing-secret"
_OURS = (
    "SLACK", "REDIS", "BOT_", "VONAGE", "AZURE", "FLOWROUTE", "KAZOO", "SANDBOX", "APPROVALS", "QUOTE", "PORT",
    "RATES", "DEFAULT_CURRENCY", "REPORT_CHANNEL",
)  # fmt: skip


@asynccontextmanager
async def bot_process(
    redis_url: str, stub: SlackStub, **extra: str
) -> AsyncIterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    env.update(
        {
            "PORT": str(port),
            "SLACK_BOT_TOKEN": "xoxb-process",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": stub.api_url,
            "REDIS_URL": redis_url,
            "BOT_ADMINS": "U0ADMIN",
            "RATES_URL": "",  # no fetching the ECB's rates from a test: the bundled ones do
            **extra,
        }
    )
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen([sys.executable, "-m", "bot"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 20
            while True:
                try:
                    await client.get(f"{base}/health")
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            process.stderr.read().decode() if process.stderr else "did not start"
                        ) from None
                    await asyncio.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
        log.close()
