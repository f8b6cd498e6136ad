"""Private redis-server processes on free ports, for tests that need real atomicity.

Nothing here touches a Redis the tests did not start: each server runs in a temporary
directory, keeps nothing on disk, and is killed when the fixture ends.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

__all__ = [
    "REDIS_SERVER",
    "RedisProcess",
    "free_port",
    "redis_cluster",
    "redis_process",
    "redis_sentinel",
    "require_redis_server",
]

REDIS_SERVER = shutil.which("redis-server")


def require_redis_server() -> str:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed on this machine; the real-Redis tests need it")
    return REDIS_SERVER


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is a valid, free port too."""
    for _ in range(200):
        port = random.randint(20_000, 50_000)
        if _bindable(port) and _bindable(port + 10_000):
            return port
    raise RuntimeError("no free port pair for a cluster node")


def _wait_ready(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server on port {port} did not start")


class RedisProcess:
    def __init__(self, port: int, process: subprocess.Popen[bytes], workdir: Path) -> None:
        self.port = port
        self.process = process
        self.workdir = workdir

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


@contextmanager
def redis_process(*extra: str, port: int | None = None) -> Iterator[RedisProcess]:
    binary = require_redis_server()
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="numberbot-redis-") as workdir:
        args = [
            binary,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", workdir,
            "--protected-mode", "no",
            *extra,
        ]  # fmt: skip
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = RedisProcess(port, process, Path(workdir))
        try:
            _wait_ready(port, time.monotonic() + 10)
            yield server
        finally:
            server.kill()


REDIS_CLI = shutil.which("redis-cli")


@contextmanager
def redis_cluster(masters: int = 3) -> Iterator[list[RedisProcess]]:
    """A real local Redis Cluster: `masters` servers on free ports, formed by redis-cli."""
    require_redis_server()
    if REDIS_CLI is None:
        pytest.skip("redis-cli is not installed; it is needed to form a Redis Cluster")
    with ExitStack() as stack:
        nodes = [
            stack.enter_context(
                redis_process(
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "2000",
                    port=free_cluster_port(),
                )
            )
            for _ in range(masters)
        ]
        subprocess.run(
            [
                REDIS_CLI,
                "--cluster",
                "create",
                *[f"127.0.0.1:{n.port}" for n in nodes],
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            info = subprocess.run(
                [REDIS_CLI, "-p", str(nodes[0].port), "cluster", "info"], capture_output=True, text=True, timeout=5
            ).stdout
            if "cluster_state:ok" in info:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("the Redis Cluster did not reach cluster_state:ok")
        yield nodes


@contextmanager
def redis_sentinel(master_name: str = "numberbot") -> Iterator[tuple[RedisProcess, RedisProcess, RedisProcess]]:
    """A primary, one replica and one sentinel watching them (quorum 1), on free ports."""
    require_redis_server()
    with ExitStack() as stack:
        primary = stack.enter_context(redis_process())
        replica = stack.enter_context(redis_process("--replicaof", "127.0.0.1", str(primary.port)))
        port = free_port()
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="numberbot-sentinel-")))
        config = workdir / "sentinel.conf"
        config.write_text(
            f"port {port}\nbind 127.0.0.1\nprotected-mode no\ndir {workdir}\n"
            f"sentinel monitor {master_name} 127.0.0.1 {primary.port} 1\n"
            f"sentinel down-after-milliseconds {master_name} 1000\n"
            f"sentinel failover-timeout {master_name} 5000\n"
            f"sentinel parallel-syncs {master_name} 1\n"
        )
        assert REDIS_SERVER is not None
        process = subprocess.Popen(
            [REDIS_SERVER, str(config), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        sentinel = RedisProcess(port, process, workdir)
        stack.callback(sentinel.kill)
        _wait_ready(port, time.monotonic() + 10)
        _wait_replica_synced(replica.port, time.monotonic() + 20)
        yield primary, replica, sentinel


def _wait_replica_synced(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"INFO replication\r\n")
            time.sleep(0.05)
            if b"master_link_status:up" in sock.recv(65536):
                return
        time.sleep(0.1)
    raise RuntimeError("the replica did not sync with its primary")
