"""`python -m bot`: the composition root, and the Bolt app behind aiohttp's server or Socket Mode.

`create_app` is where the Slack side meets the core: the Bolt app, its middleware and every
listener of handlers/ around the services of bot/services.py (with the console, the only
code in bot/ that imports handlers/).

HTTP mode serves `POST /slack/events` and `GET /health` on 0.0.0.0:$PORT. Socket Mode (when
SLACK_APP_TOKEN is set) still serves /health on $PORT for the platform's probes. On SIGTERM
the process stops taking requests, gives running work up to ~8 s, leaves the rest in flight
for another process (the journal), and exits within 10 s.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot import metrics, store
from bot.lifecycle import Lifecycle
from bot.providers.http import create_http_client
from bot.services import Services, build_services, slack_client
from bot.webhooks import add_routes as add_webhook_routes
from bot.workers import BACKLOG
from handlers import acked, register_handlers

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["DRAIN_SECONDS", "create_app", "serve", "web_app"]

log = logging.getLogger("numberbot.server")

DRAIN_SECONDS = 8.0
HEALTH_TIMEOUT = 2.0


class _App(AsyncApp):
    """Bolt's app, counting each request while its ack is worked out, over HTTP and Socket
    Mode alike (work after an ack lets those go first: Lifecycle.after_acks)."""

    def __init__(self, lifecycle: Lifecycle, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lifecycle = lifecycle

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        with self._lifecycle.acking():
            return await super().async_dispatch(req)


GC_YOUNG = 50_000  # allocations between young-generation collections (Python's default: 700)


def _settle_memory() -> None:
    """Once started: what the imports and the services made is kept out of every later garbage
    collection (gc.freeze), and the young generation is collected less often. Measured with
    `python -m bench`: collections took 0.45 ms of CPU per search before, 0.05 ms after; RSS
    grows by about 3 MB."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, 20, 10)


def create_app(services: Services, *, signing_secret: str | None = None) -> AsyncApp:
    """The Bolt app: built-in signature checks, then our middleware and listeners (handlers/)."""
    settings = services.settings
    secret = signing_secret
    if secret is None and settings.slack_signing_secret is not None:
        secret = settings.slack_signing_secret.get_secret_value()
    kwargs: dict[str, Any] = {}
    if secret is None:
        kwargs["request_verification_enabled"] = False  # Socket Mode: Slack's socket is the trust
    app = _App(
        services.lifecycle,
        client=services.slack,
        signing_secret=secret,
        # Listeners ack, start what comes after the ack in the background and return at once,
        # so Bolt answers Slack as soon as a listener returns (no polling for the ack).
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("slack_bolt"),
        **kwargs,
    )
    register_handlers(app, services)
    return app


def web_app(bolt: AsyncApp, services: Services, *, slack_events: bool = True) -> web.Application:
    async def events(request: web.Request) -> web.Response:
        if not services.lifecycle.accepting:
            return web.Response(status=503, text="shutting down")
        started = time.perf_counter()
        bolt_request = await to_bolt_request(request)
        response = await bolt.async_dispatch(bolt_request)
        answer = await to_aiohttp_response(response)
        what, outcome = acked(bolt_request.context, response.status)
        metrics.ACKS.labels(what, outcome).inc()
        metrics.ACK_SECONDS.labels(what.partition(":")[0]).observe(time.perf_counter() - started)
        return answer

    async def scrape(request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                metrics.IN_FLIGHT.set(await services.journal.in_flight())
                metrics.WEBHOOKS_REFUSED.counts = await services.sms_store.refusals()
        except (TimeoutError, *store.STORAGE_ERRORS):
            pass  # the other figures are still worth having while Redis is away
        return web.Response(body=metrics.exposition(), headers={"Content-Type": metrics.CONTENT_TYPE})

    async def health(request: web.Request) -> web.Response:
        try:
            reachable = await asyncio.wait_for(store.ping(services.redis), HEALTH_TIMEOUT)
        except TimeoutError:
            reachable = False
        body = {
            "status": "ok" if reachable else "unavailable",
            "redis": {"reachable": reachable, "topology": services.settings.redis_topology},
            "providers": sorted(services.providers),
            "accepting": services.lifecycle.accepting,
        }
        return web.json_response(body, status=200 if reachable else 503)

    app = web.Application()
    if slack_events:
        app.router.add_post("/slack/events", events)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", scrape)
    add_webhook_routes(app, services)  # POST /webhooks/<provider>/sms, and the SMS drainer
    return app


async def serve(settings: Settings, *, sock: socket.socket | None = None) -> None:
    """One server process: on its own port, or on a listening socket its parent shares (workers)."""
    services = build_services(
        settings, redis=store.connect(settings), http=create_http_client(), slack=slack_client(settings)
    )
    socket_mode = settings.slack_app_token is not None
    bolt = create_app(services)
    runner = web.AppRunner(
        web_app(bolt, services, slack_events=not socket_mode),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=1.0,
    )
    await runner.setup()
    everywhere = "0.0.0.0"  # noqa: S104 - a server listens on all interfaces
    # A burst of new connections beyond the listen backlog (aiohttp's default: 128) waits for
    # the client's SYN retry, a second later: measured as 1 s acks in bursts of 200.
    site: web.BaseSite = (
        web.SockSite(runner, sock) if sock else web.TCPSite(runner, everywhere, settings.port, backlog=BACKLOG)
    )
    await site.start()
    handler = None
    if socket_mode:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        assert settings.slack_app_token is not None
        handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
        await handler.connect_async()
    reconciler = asyncio.create_task(services.reconciler.run_forever(), name="reconciler")
    rates = asyncio.create_task(
        services.rates.keep_fresh(services.redis, services.http, settings.rates_url or None), name="rates"
    )
    services.reports.start()  # the monthly report to REPORT_CHANNEL (bot/report.py)
    _settle_memory()
    log.info(
        "numberbot started",
        extra={
            "mode": "socket" if socket_mode else "http",
            "port": settings.port,
            "providers": sorted(services.providers),
            "redis": settings.redis_topology,
        },
    )

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()

    log.info("shutting down", extra={"busy": services.lifecycle.busy})
    services.lifecycle.accepting = False
    await site.stop()
    if handler is not None:
        await handler.close_async()
    reconciler.cancel()
    rates.cancel()
    if not await services.lifecycle.drain(DRAIN_SECONDS):
        log.warning(
            "work still running at shutdown; leaving it in flight for another process",
            extra={"busy": services.lifecycle.busy},
        )
        await services.lifecycle.cancel_all()
    await runner.cleanup()
    await services.aclose()
    log.info("stopped")
