"""Work tracking: what runs after an ack is counted until it ends (graceful shutdown), and
waits for the acks being worked out (fast acks in a burst)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any

__all__ = ["ACKS_FIRST", "QUIET", "Lifecycle"]

log = logging.getLogger(__name__)

ACKS_FIRST = 0.25  # the longest work after an ack waits for the acks being worked out
QUIET = 0.005  # no ack begun for this long: the burst is over


class Lifecycle:
    """Counts running work so SIGTERM can wait for it (bounded) before the process exits."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.accepting = True
        self._acking = 0  # requests whose acknowledgement is being worked out
        self._acked = asyncio.Event()
        self._acked.set()
        self._last_ack = float("-inf")  # when the latest ack began (loop time)

    @asynccontextmanager
    async def work(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        self._idle.clear()
        try:
            yield
        finally:
            self._running.discard(task)
            if not self._running and not self._background:
                self._idle.set()

    @contextmanager
    def acking(self) -> Iterator[None]:
        """Around the work before an acknowledgement, so that `after_acks` can wait for it."""
        self._acking += 1
        self._acked.clear()
        self._last_ack = asyncio.get_running_loop().time()
        try:
            yield
        finally:
            self._acking -= 1
            if not self._acking:
                self._acked.set()

    @property
    def acks_in_progress(self) -> int:
        return self._acking

    async def after_acks(self, most: float = ACKS_FIRST) -> None:
        """Let the acknowledgements of a burst go first (at most `most` seconds).

        Work after an ack competes for the one event loop with the acks still to come: started
        at once, it pushed the last acks of a burst of 200 past 300 ms (`python -m bench`). So it
        waits until no ack is being worked out and none started for QUIET seconds (the rest of
        a burst arrives within that), which costs the work a few milliseconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + most
        while (left := deadline - loop.time()) > 0:
            if self._acking:
                with suppress(TimeoutError):
                    async with asyncio.timeout(left):
                        await self._acked.wait()
                continue
            quiet = self._last_ack + QUIET - loop.time()
            if quiet <= 0:
                return
            await asyncio.sleep(min(quiet, left))

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run a coroutine in the background, counted like request work, errors logged."""
        task = asyncio.create_task(coro, name=name)
        self._background.add(task)
        self._idle.clear()
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception(), extra={"task": task.get_name()})
        if not self._running and not self._background:
            self._idle.set()

    @property
    def busy(self) -> int:
        return len(self._running) + len(self._background)

    async def drain(self, timeout: float) -> bool:
        """Wait until no work runs (True) or the timeout passes (False)."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def cancel_all(self) -> None:
        tasks = list(self._running | self._background)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
