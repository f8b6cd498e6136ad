"""The Redis client for the topology in the settings, and what "storage unavailable" means.

One client is chosen once at start: a single server (``REDIS_URL``), a Cluster
(``REDIS_CLUSTER_NODES``) or a Sentinel-watched primary (``REDIS_SENTINELS``), all through
redis-py's own clients; the console gets an in-memory fakeredis when ``REDIS_URL`` is unset.

Connections are a bounded pool (``REDIS_MAX_CONNECTIONS`` per process) that requests *wait*
for: a burst of hundreds of commands queues for a connection instead of failing, and a busy
pool is never reported as Redis being down. Socket timeouts stay short, so a Redis that is
really down fails the next command within a couple of seconds (fail closed).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import redis.exceptions as rx
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, ClusterPipeline, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import ExponentialBackoff

from bot.errors import BotError

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["POOL_WAIT", "STORAGE_ERRORS", "PoolBusy", "RedisClient", "connect", "in_memory", "ping"]

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
# How long a request may queue for a connection. Far above any healthy wait (commands take
# well under a millisecond), so it only ends a wait when something is badly stuck.
POOL_WAIT = 30.0


class PoolBusy(BotError):
    """Every connection stayed busy for POOL_WAIT seconds: the process is overloaded, Redis is not down."""

    def __init__(self) -> None:
        super().__init__("The bot is very busy right now, so nothing was done; try again in a minute.")


def _retry() -> Retry:
    return Retry(ExponentialBackoff(cap=0.25, base=0.05), retries=1)


def _host_port(item: str) -> tuple[str, int]:
    host, _, port = item.rpartition(":")
    return host.strip("[]"), int(port)


class QueueingPool(BlockingConnectionPool):
    """redis-py's blocking pool, with a long wait that ends in PoolBusy rather than a ConnectionError."""

    async def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().get_connection()
        except rx.ConnectionError as exc:
            if isinstance(exc.__cause__, asyncio.TimeoutError):  # the wait for a free connection ran out
                raise PoolBusy() from exc
            raise


class QueueingSentinelPool(SentinelConnectionPool, QueueingPool):
    """The Sentinel-managed pool (follows failovers), queueing like QueueingPool."""


class QueueingClusterPipeline(ClusterPipeline):
    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        async with self.cluster_client.queue():  # type: ignore[attr-defined]
            return await super().execute(*args, **kwargs)


class QueueingCluster(RedisCluster):
    """A Cluster client whose commands wait for a slot instead of raising MaxConnectionsError.

    redis-py's async cluster has no blocking pool: each node's pool raises when it is full.
    At most `max_connections` commands (or pipelines) run at once per process, so no node
    ever needs more than `max_connections` connections, and the rest queue here.
    """

    def __init__(self, *args: Any, max_connections: int, **kwargs: Any) -> None:
        super().__init__(*args, max_connections=max_connections, **kwargs)
        self._slots = asyncio.Semaphore(max_connections)
        # A pipeline that follows a MOVED redirect runs a command inside its own slot.
        self._holding: ContextVar[bool] = ContextVar(f"cluster-slot-{id(self)}", default=False)

    @asynccontextmanager
    async def queue(self) -> AsyncIterator[None]:
        if self._holding.get():
            yield
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), POOL_WAIT)
        except TimeoutError:
            raise PoolBusy() from None
        token = self._holding.set(True)
        try:
            yield
        finally:
            self._holding.reset(token)
            self._slots.release()

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        async with self.queue():
            return await super().execute_command(*args, **kwargs)

    def pipeline(self, transaction: Any = None, shard_hint: Any = None) -> ClusterPipeline:
        return QueueingClusterPipeline(self, transaction=transaction)


def connect(settings: Settings) -> RedisClient:
    """The client for the configured topology (nothing is contacted yet)."""
    common: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "health_check_interval": 15,
    }
    size = settings.redis_max_connections
    if settings.redis_topology == "cluster":
        nodes = [ClusterNode(*_host_port(n)) for n in settings.redis_cluster_nodes]
        return QueueingCluster(startup_nodes=nodes, retry=_retry(), max_connections=size, **common)
    if settings.redis_topology == "sentinel":
        sentinel = Sentinel(
            [_host_port(n) for n in settings.redis_sentinels],
            sentinel_kwargs={"socket_timeout": SOCKET_TIMEOUT, "socket_connect_timeout": CONNECT_TIMEOUT},
            **common,
        )
        assert settings.redis_sentinel_master is not None
        return sentinel.master_for(
            settings.redis_sentinel_master,
            connection_pool_class=QueueingSentinelPool,
            retry=_retry(),
            max_connections=size,
            timeout=POOL_WAIT,
        )
    pool = QueueingPool.from_url(
        settings.effective_redis_url, max_connections=size, timeout=POOL_WAIT, retry=_retry(), **common
    )
    return Redis.from_pool(pool)


def in_memory() -> Redis:
    """An in-memory Redis (with Lua) for the console when no REDIS_URL is set."""
    import fakeredis

    return fakeredis.FakeAsyncRedis(decode_responses=True)


async def ping(redis: RedisClient) -> bool:
    try:
        return bool(await redis.ping())
    except STORAGE_ERRORS:
        return False
