"""The search modal opened by a bare `/number`."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import ids
from bot.models import NumberType

__all__ = ["search_modal"]


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": block_id},
    }


def search_modal(providers: list[str], channel_id: str | None) -> dict[str, Any]:
    provider_options = [_option("All enabled providers", ids.ALL_PROVIDERS)] + [_option(p, p) for p in providers]
    type_options = [_option("Any type", "any")] + [_option(t.value, t.value) for t in NumberType]
    return {
        "type": "modal",
        "callback_id": ids.SEARCH_MODAL,
        "private_metadata": json.dumps({"channel": channel_id}),
        "title": {"type": "plain_text", "text": "Search numbers"},
        "submit": {"type": "plain_text", "text": "Search"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input(
                ids.COUNTRY,
                "Country (ISO code, e.g. GB)",
                {"type": "plain_text_input", "max_length": 2, "placeholder": {"type": "plain_text", "text": "GB"}},
            ),
            _input(
                ids.PATTERN,
                "Starts with (digits after the country code)",
                {"type": "plain_text_input", "max_length": 12},
                optional=True,
            ),
            _input(
                ids.PROVIDER,
                "Provider",
                {"type": "static_select", "options": provider_options, "initial_option": provider_options[0]},
                optional=True,
            ),
            _input(
                ids.TYPE,
                "Type",
                {"type": "static_select", "options": type_options, "initial_option": type_options[0]},
                optional=True,
            ),
        ],
    }
