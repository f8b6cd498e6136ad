"""The Redis client for the topology in the settings, and what "storage unavailable" means.

One client is chosen once at start: a single server (``REDIS_URL``), a Cluster
(``REDIS_CLUSTER_NODES``) or a Sentinel-watched primary (``REDIS_SENTINELS``), all through
redis-py's own clients; the console gets an in-memory fakeredis when ``REDIS_URL`` is unset.
Timeouts are short because the role check runs before Slack's 3-second ack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import redis.exceptions as rx
from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import ExponentialBackoff

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["STORAGE_ERRORS", "RedisClient", "connect", "in_memory", "ping"]

RedisClient = Redis | RedisCluster

# Errors that mean "Redis is not reachable or not serving right now" (not a bug of ours).
STORAGE_ERRORS: tuple[type[Exception], ...] = (
    rx.ConnectionError,
    rx.TimeoutError,
    rx.ClusterDownError,
    rx.ClusterError,
    rx.BusyLoadingError,
    rx.ReadOnlyError,
    rx.TryAgainError,
    rx.MasterDownError,
    rx.SlotNotCoveredError,
    rx.AuthenticationError,
)

SOCKET_TIMEOUT = 1.0
CONNECT_TIMEOUT = 1.0


def _retry() -> Retry:
    return Retry(ExponentialBackoff(cap=0.25, base=0.05), retries=1)


def _host_port(item: str) -> tuple[str, int]:
    host, _, port = item.rpartition(":")
    return host.strip("[]"), int(port)


def connect(settings: Settings) -> RedisClient:
    """The client for the configured topology (nothing is contacted yet)."""
    common: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "health_check_interval": 15,
    }
    if settings.redis_topology == "cluster":
        nodes = [ClusterNode(*_host_port(n)) for n in settings.redis_cluster_nodes]
        return RedisCluster(startup_nodes=nodes, retry=_retry(), **common)
    if settings.redis_topology == "sentinel":
        sentinel = Sentinel(
            [_host_port(n) for n in settings.redis_sentinels],
            sentinel_kwargs={"socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": CONNECT_TIMEOUT},
            **common,
        )
        assert settings.redis_sentinel_master is not None
        return sentinel.master_for(settings.redis_sentinel_master, retry=_retry())
    return Redis.from_url(settings.effective_redis_url, retry=_retry(), **common)


def in_memory() -> Redis:
    """An in-memory Redis (with Lua) for the console when no REDIS_URL is set."""
    import fakeredis

    return fakeredis.FakeAsyncRedis(decode_responses=True)


async def ping(redis: RedisClient) -> bool:
    try:
        return bool(await redis.ping())
    except STORAGE_ERRORS:
        return False
