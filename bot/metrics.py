"""Prometheus metrics (`GET /metrics`), one set per process or, with several workers, summed.

With WEB_CONCURRENCY above 1 the parent process points PROMETHEUS_MULTIPROC_DIR at a fresh
directory before anything imports prometheus_client, each worker writes its samples there,
and whichever worker is scraped adds them all up (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily

__all__ = [
    "ACKS",
    "ACK_SECONDS",
    "CONTENT_TYPE",
    "IN_FLIGHT",
    "PROVIDER_ERRORS",
    "PROVIDER_SECONDS",
    "PURCHASES",
    "REDIS_ERRORS",
    "TAKEOVERS",
    "WEBHOOKS_REFUSED",
    "Instrumented",
    "exposition",
]

CONTENT_TYPE = CONTENT_TYPE_LATEST
_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
_SLOW = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 60.0)

ACKS = Counter(
    "numberbot_acks_total",
    "Slack requests acknowledged, by request (command, action or view) and outcome",
    ["request", "outcome"],
)
ACK_SECONDS = Histogram(
    "numberbot_ack_seconds", "Time from a Slack request's arrival to its acknowledgement", ["kind"], buckets=_FAST
)
PROVIDER_SECONDS = Histogram(
    "numberbot_provider_call_seconds", "Provider calls, by provider and operation", ["provider", "operation"],
    buckets=_SLOW,
)  # fmt: skip
PROVIDER_ERRORS = Counter(
    "numberbot_provider_errors_total", "Provider calls that failed, by error", ["provider", "operation", "error"]
)
PURCHASES = Counter("numberbot_purchases_total", "Purchases that ended, by outcome", ["outcome"])
IN_FLIGHT = Gauge(
    "numberbot_operations_in_flight", "Purchases and releases recorded as in flight (read from Redis when scraped)",
    multiprocess_mode="mostrecent",
)  # fmt: skip
TAKEOVERS = Counter("numberbot_reconciler_takeovers_total", "Lapsed operations taken over by a reconciler")
REDIS_ERRORS = Counter("numberbot_redis_errors_total", "Redis failures shown to users, by kind", ["kind"])


class _RefusedWebhooks:
    """Webhooks refused, counted in Redis by every process together (bot/webhooks.py); shown as
    read when scraped, so one scrape of any worker has the whole count."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}  # `provider:reason` → refused so far

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "numberbot_webhooks_refused",
            "SMS webhooks refused (unsigned, badly signed, stale, unknown number…), by provider and reason",
            labels=["provider", "reason"],
        )
        for key, count in sorted(self.counts.items()):
            provider, _, reason = key.partition(":")
            family.add_metric([provider, reason], count)
        yield family


WEBHOOKS_REFUSED = _RefusedWebhooks()
REGISTRY.register(WEBHOOKS_REFUSED)  # type: ignore[arg-type]

# What the provider protocol does; anything else on an adapter passes through untimed.
_OPERATIONS = frozenset(
    {
        "search",
        "hold",
        "unhold",
        "buy",
        "check_purchase",
        "list",
        "get",
        "forward",
        "rename",
        "release",
        "check_release",
    }
)


class Instrumented:
    """A provider with every protocol call timed and its failures counted by error type."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner  # the adapter itself
        self._inner = inner
        self.name = inner.name
        self.label = inner.label
        self.capabilities = inner.capabilities

    @property
    def account(self) -> str:
        return str(self._inner.account)

    def __getattr__(self, item: str) -> Any:
        target = getattr(self._inner, item)
        if item not in _OPERATIONS:
            return target
        timed = _timed(self.name, item, target)
        setattr(self, item, timed)  # made once: later calls find it without __getattr__
        return timed


def _timed(provider: str, operation: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await call(*args, **kwargs)
        except BaseException as exc:
            PROVIDER_ERRORS.labels(provider, operation, type(exc).__name__).inc()
            raise
        finally:
            PROVIDER_SECONDS.labels(provider, operation).observe(time.perf_counter() - started)

    return timed


def exposition() -> bytes:
    """The text a scrape gets: this process's samples, or every worker's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(WEBHOOKS_REFUSED)  # type: ignore[arg-type]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
