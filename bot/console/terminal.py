"""What the operator types, read from stdin without blocking the event loop.

The app keeps running while the console waits for a line (work the bot started in the
background finishes meanwhile). Piped input is echoed after its prompt, so a transcript of a
scripted run reads as if typed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import IO

__all__ = ["answer", "lines_from"]


async def lines_from(stream: IO[str], prompt: Callable[[], str]) -> AsyncIterator[str]:
    """Input lines without blocking the event loop (the app keeps running meanwhile)."""
    interactive = stream.isatty()
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(input, prompt())
            except EOFError:
                return
        else:
            line = await asyncio.to_thread(stream.readline)
            if not line:
                return
            line = line.rstrip("\n")
            if line.strip():
                print(f"{prompt()}{line}", flush=True)
        yield line


async def answer(stream: IO[str], question: str) -> str:
    """One answer to `question` (a form field, a confirmation); EOFError once the input has ended
    (an empty answer there would make a form the bot refuses ask again forever)."""
    if stream.isatty():
        return await asyncio.to_thread(input, question)
    line = await asyncio.to_thread(stream.readline)
    if not line:
        raise EOFError
    line = line.rstrip("\n")
    print(f"{question}{line}", flush=True)
    return line
