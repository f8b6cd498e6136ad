"""`WEB_CONCURRENCY`: several server processes on one port, each with its own event loop.

The parent binds the port once and forks the workers, which share the listening socket (the
kernel hands each new connection to one of them); each worker builds its own services, so it
has its own Redis pool and HTTP clients. They coordinate through Redis only, as separate
machines would: the reconciler of any of them may resolve what another left in flight.
SIGTERM to the parent reaches every worker, which stops as a single process does (within
10 s); a worker that dies on its own is started again. The event loop is uvloop's.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import uvloop

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["BACKLOG", "run"]

log = logging.getLogger("numberbot.workers")

BACKLOG = 2048  # connections the kernel holds until accepted (aiohttp's default, 128, is short for a burst)
STOP_SECONDS = 10.0
CRASHES_PER_MINUTE = 5  # more than this and the parent gives up rather than spin


def _loop(coro: Coroutine[Any, Any, Any]) -> Any:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def run(settings: Settings) -> int:
    """Serve with `settings.web_concurrency` processes (one: this process itself)."""
    if settings.web_concurrency <= 1:
        from bot.server import serve

        _loop(serve(settings))
        return 0
    # Before anything imports prometheus_client: every worker writes its samples here.
    metrics_dir = tempfile.mkdtemp(prefix="numberbot-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    listener = socket.create_server(("0.0.0.0", settings.port), backlog=BACKLOG, reuse_port=False)  # noqa: S104
    # The code is loaded once, here, and the forked workers share its pages; frozen so that
    # no worker's garbage collection writes to (and so copies) them (Python's gc.freeze docs).
    gc.disable()
    import bot.server  # noqa: F401

    gc.freeze()
    try:
        return _supervise(settings, listener)
    finally:
        listener.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _spawn(settings: Settings, listener: socket.socket) -> int:
    pid = os.fork()
    if pid == 0:  # the worker
        code = 0
        try:
            gc.enable()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            from bot.server import serve

            _loop(serve(settings, sock=listener))
        except BaseException:
            log.exception("worker failed")
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return pid


def _supervise(settings: Settings, listener: socket.socket) -> int:
    from prometheus_client import multiprocess

    workers = {_spawn(settings, listener) for _ in range(settings.web_concurrency)}
    log.info("workers started", extra={"workers": len(workers), "port": settings.port})
    stopping = False
    crashes: list[float] = []

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in workers:
            os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline: float | None = None
    while workers:
        if stopping and deadline is None:
            deadline = time.monotonic() + STOP_SECONDS
        try:
            pid, status = os.waitpid(-1, os.WNOHANG) if deadline else os.wait()
        except ChildProcessError:
            break
        if pid == 0:  # stopping, nothing exited yet
            if time.monotonic() > deadline:  # type: ignore[operator]
                for left in workers:
                    os.kill(left, signal.SIGKILL)
            time.sleep(0.05)
            continue
        workers.discard(pid)
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
        if stopping:
            continue
        crashes = [t for t in crashes if t > time.monotonic() - 60] + [time.monotonic()]
        log.error("worker exited; starting another", extra={"pid": pid, "status": status})
        if len(crashes) > CRASHES_PER_MINUTE:
            stop(signal.SIGTERM, None)
            continue
        workers.add(_spawn(settings, listener))
    log.info("stopped")
    return 1 if len(crashes) > CRASHES_PER_MINUTE else 0
