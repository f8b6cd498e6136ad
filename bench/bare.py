"""The baseline: a bare slack-bolt AsyncApp on the same server stack (aiohttp), doing the same
visible work for `/number search`: ack at once, ask the provider after the ack, answer through
response_url. No roles, no Redis, no stored results: what any bolt app costs, done the
cheapest well-known way (one shared aiohttp session for the provider and response_url).

    python -m bench.bare   (PORT, SLACK_SIGNING_SECRET, SLACK_API_URL, PROVIDER_URL from the environment)
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def main() -> None:
    provider = os.environ["PROVIDER_URL"]
    sessions: list[aiohttp.ClientSession] = []  # made inside the running loop, on first use
    client = AsyncWebClient(token="xoxb-bare", base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=False)

    @bolt.command("/number")
    async def number(ack: Any, command: dict[str, Any]) -> None:
        await ack(text="Searching…", response_type="ephemeral")
        if not sessions:
            sessions.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)))
        http = sessions[0]
        async with http.get(f"{provider}/number/search", params={"country": "US", "size": "10"}) as answer:
            found = (await answer.json()).get("numbers", [])
        reply = {"text": f"{len(found)} found", "response_type": "ephemeral", "replace_original": True}
        async with http.post(command["response_url"], json=reply) as posted:
            await posted.read()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/health", lambda _: asyncio.sleep(0, web.Response(text="ok")))
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), access_log=None, print=None, backlog=2048)


if __name__ == "__main__":
    main()
