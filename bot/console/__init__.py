"""The local terminal console (`python -m bot console`)."""

from __future__ import annotations

import asyncio
import sys

from bot.config import Settings
from bot.console.session import Console, lines_from

__all__ = ["Console", "run_console"]


async def run_console(settings: Settings) -> int:
    console = Console(settings)
    await console.start()
    stream = sys.stdin

    def prompt() -> str:
        return f"{console.user}> "

    async def ask(question: str) -> str:
        if stream.isatty():
            try:
                return await asyncio.to_thread(input, question)
            except EOFError:
                return ""
        line = (await asyncio.to_thread(stream.readline)).rstrip("\n")
        print(f"{question}{line}", flush=True)
        return line

    try:
        await console.run(lines_from(stream, prompt), ask)
    except KeyboardInterrupt:
        pass
    finally:
        await console.stop()
    return 0
