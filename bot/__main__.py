"""`python -m bot` serves Slack; `python -m bot console` runs the local console."""

from __future__ import annotations

import asyncio
import sys

from bot.config import ConfigError, load_settings
from bot.logs import setup_logging

USAGE = "usage: python -m bot [console]"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["console"], ["serve"]):
        print(USAGE, file=sys.stderr)
        return 2
    console = args == ["console"]
    try:
        settings = load_settings("console" if console else "http")
    except ConfigError as exc:
        print(f"numberbot: configuration error: {exc}", file=sys.stderr)
        return 2
    if console:
        import logging

        from bot.console import run_console

        setup_logging(settings.secrets(), json_lines=False, level=logging.WARNING)
        return asyncio.run(run_console(settings))
    from bot.server import serve

    setup_logging(settings.secrets())
    asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
