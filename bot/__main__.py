"""`python -m bot` serves Slack; `python -m bot console [--allow-real-providers]` runs the local console.

The console makes its operator an admin, so with real provider credentials configured it would
buy for real from a terminal: it refuses to start then, unless told it may, and says which
providers are real.
"""

from __future__ import annotations

import asyncio
import sys

from bot.config import ConfigError, load_settings
from bot.logs import setup_logging

USAGE = "usage: python -m bot [serve | console [--allow-real-providers]]"
ALLOW_REAL = "--allow-real-providers"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["serve"], ["console"], ["console", ALLOW_REAL]):
        print(USAGE, file=sys.stderr)
        return 2
    console = args[:1] == ["console"]
    try:
        settings = load_settings("console" if console else "http")
    except ConfigError as exc:
        print(f"numberbot: configuration error: {exc}", file=sys.stderr)
        return 2
    if console:
        import logging

        from bot.console import RealProvidersRefused, run_console

        setup_logging(settings.secrets(), json_lines=False, level=logging.WARNING)
        try:
            return asyncio.run(run_console(settings, allow_real=ALLOW_REAL in args))
        except RealProvidersRefused as exc:
            print(f"numberbot: console: {exc}", file=sys.stderr)
            return 2
    from bot.workers import run

    setup_logging(settings.secrets())
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
