"""Private redis-server processes on free ports, for tests that need real atomicity.

Nothing here touches a Redis the tests did not start: each server runs in a temporary
directory, keeps nothing on disk, and is killed when the fixture ends.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["REDIS_SERVER", "RedisProcess", "free_port", "redis_process", "require_redis_server"]

REDIS_SERVER = shutil.which("redis-server")


def require_redis_server() -> str:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed on this machine; the real-Redis tests need it")
    return REDIS_SERVER


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
