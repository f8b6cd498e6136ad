"""What each layer may import (ARCHITECTURE.md), checked on the source so a shortcut fails CI."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINTS = {"bot/__main__.py", "bot/server.py"}  # and bot/console/: the composition roots


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(folder: str) -> list[tuple[str, set[str]]]:
    return [(str(p.relative_to(ROOT)), imports(p)) for p in sorted((ROOT / folder).rglob("*.py"))]


def test_only_the_entry_points_of_bot_import_handlers() -> None:
    offenders = [
        name
        for name, found in modules("bot")
        if any(m == "handlers" or m.startswith("handlers.") for m in found)
        and name not in ENTRY_POINTS
        and not name.startswith("bot/console/")
    ]
    assert offenders == []


def test_handlers_do_not_reach_into_the_composition_root_or_providers() -> None:
    offenders = [
        (name, m)
        for name, found in modules("handlers")
        for m in found
        if m in ("bot.server", "bot.__main__") or m.startswith(("bot.console", "bot.providers."))
    ]
    assert offenders == []


def test_block_kit_builders_are_pure() -> None:
    """bot/blocks renders outcomes: no services, stores, Redis, providers or Slack clients."""
    allowed = ("bot.blocks", "bot.models", "bot.outcomes", "bot.replies", "bot.phone", "bot.commands", "bot.mrkdwn")
    offenders = [
        (name, m)
        for name, found in modules("bot/blocks")
        for m in found
        if (m.startswith("bot.") and not m.startswith(allowed)) or m.startswith(("slack_", "redis", "httpx"))
    ]
    assert offenders == []


def test_services_return_outcomes_and_never_build_block_kit() -> None:
    core = [
        (name, found)
        for name, found in modules("bot")
        if not name.startswith(("bot/blocks/", "bot/console/", "bot/providers/"))
        and name not in ENTRY_POINTS | {"bot/notify.py"}  # the notifier renders what it sends
    ]
    offenders = [
        (name, m) for name, found in core for m in found if m.startswith("bot.blocks") and m != "bot.blocks.ids"
    ]
    assert offenders == []


def test_nothing_provider_specific_outside_its_module() -> None:
    """Only the registry names the adapters; the rest of the bot sees the protocol."""
    adapters = ("bot.providers.vonage", "bot.providers.azure", "bot.providers.flowroute", "bot.providers.kazoo")
    adapters += ("bot.providers.sandbox",)
    offenders = [
        (name, m)
        for name, found in modules("bot")
        for m in found
        if m.startswith(adapters) and not name.startswith("bot/providers/")
    ]
    assert offenders == []
