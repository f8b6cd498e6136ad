"""The providers' HTTP surface: `POST /webhooks/<provider>/sms` (and `OPTIONS`, the CloudEvents
handshake), and the drainer beside it.

`add_routes(app, services)` is the one line bot/server.py's `web_app` adds: the route, and the
background sweep that posts queued SMS (started and stopped with the aiohttp app, so it runs in
HTTP and Socket Mode alike, in every process). A webhook is answered as soon as its message is
in Redis; the post to Slack runs after the answer. Bodies are read up to 64 KB (more is refused
and counted) and never logged; neither are URLs, whose query carries the route's token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from bot.sms_models import WebhookRequest
from bot.store import STORAGE_ERRORS

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["MAX_BODY", "add_routes"]

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
STOP_SECONDS = 5.0  # how long shutting down waits for a sweep round under way
_HEADERS = ("aeg-event-type", "webhook-request-origin")  # the only headers a provider's parser may look at


def add_routes(app: web.Application, services: Services) -> None:
    """Serve SMS webhooks on `app` and post what they bring while `app` runs."""

    async def sms(request: web.Request) -> web.Response:
        provider = request.match_info["provider"]
        if not services.lifecycle.accepting:
            return web.json_response({"error": "shutting down"}, status=503)
        body = await request.content.read(MAX_BODY + 1)
        try:
            if len(body) > MAX_BODY:  # counted under a provider the bot has, never a name from the URL
                known = provider if provider in services.providers else "unknown"
                await services.sms_store.count_refusal(known, "too-large")
                return web.json_response({"error": "too-large"}, status=413)
            hook = WebhookRequest(
                method=request.method,
                query=dict(request.query),
                headers={k.lower(): v for k, v in request.headers.items() if k.lower() in _HEADERS},
                content_type=request.content_type,
                body=body,
            )
            answer = await services.sms_inbox.receive(provider, hook)
        except STORAGE_ERRORS:
            log.warning("webhook not taken: storage unavailable", extra={"provider": provider})
            return web.json_response({"error": "storage unavailable"}, status=503)  # the provider retries
        for team, e164 in answer.drain:  # after the answer: the post to Slack never holds the provider
            services.lifecycle.spawn(services.sms_delivery.drain(team, e164), name="sms-drain")
        return web.json_response(answer.body, status=answer.status, headers=answer.headers)

    app.router.add_post("/webhooks/{provider}/sms", sms)
    app.router.add_route("OPTIONS", "/webhooks/{provider}/sms", sms)  # CloudEvents' handshake
    app.cleanup_ctx.append(_sweeping(services))


def _sweeping(services: Services) -> Callable[[web.Application], AsyncIterator[None]]:
    async def sweep(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(services.sms_delivery.run_forever(stop), name="sms-sweep")
        yield
        stop.set()  # the round under way finishes (or, stuck, is cancelled after STOP_SECONDS)
        done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, 1)

    return sweep
