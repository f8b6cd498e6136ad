"""The local terminal console (`python -m bot console`)."""

from __future__ import annotations

import sys

from bot.config import Settings
from bot.console.session import Console, RealProvidersRefused
from bot.console.terminal import answer, lines_from

__all__ = ["Console", "RealProvidersRefused", "run_console"]


async def run_console(settings: Settings, *, allow_real: bool = False) -> int:
    """Raises RealProvidersRefused when real providers are configured and `allow_real` is not set."""
    console = Console(settings, allow_real=allow_real)
    await console.start()
    stream = sys.stdin

    def prompt() -> str:
        return f"{console.user}> "

    async def ask(question: str) -> str:
        return await answer(stream, question)

    try:
        await console.run(lines_from(stream, prompt), ask)
    except KeyboardInterrupt:
        pass
    finally:
        await console.stop()
    return 0
