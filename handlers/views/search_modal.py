"""The search modal: validate in the ack (errors shown on the field), search after it."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot import commands, grammar
from bot.blocks import ids
from bot.errors import InputError
from bot.replies import Reply
from handlers.common import caller_from, services, user_line

__all__ = ["handle_search_submission", "modal_command"]


def _value(values: dict[str, Any], block: str) -> str | None:
    state = (values.get(block) or {}).get(block) or {}
    if state.get("selected_option"):
        return str(state["selected_option"]["value"])
    value = state.get("value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def modal_command(values: dict[str, Any]) -> str:
    """The modal's fields as the equivalent `/number search …` text."""
    parts = ["search", _value(values, ids.COUNTRY) or ""]
    pattern = _value(values, ids.PATTERN)
    if pattern:
        parts.append(pattern)
    provider = _value(values, ids.PROVIDER)
    if provider and provider != ids.ALL_PROVIDERS:
        parts += ["--provider", provider]
    number_type = _value(values, ids.TYPE)
    if number_type and number_type != "any":
        parts += ["--type", number_type]
    return " ".join(parts)


async def handle_search_submission(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    svc = services(context)
    async with svc.lifecycle.work():
        view = body["view"]
        values = view["state"]["values"]
        try:
            command = grammar.parse(modal_command(values), svc.providers.keys())
        except InputError as exc:
            await ack(response_action="errors", errors={ids.COUNTRY: exc.user_message[:150]})
            return
        await ack()
        assert isinstance(command, commands.Search)
        try:
            channel = json.loads(view.get("private_metadata") or "{}").get("channel")
        except ValueError:
            channel = None
        caller = caller_from(body).model_copy(update={"channel_id": channel})
        try:
            reply = await svc.search.run(caller, command.query, command.provider)
        except Exception as exc:  # noqa: BLE001 - one clear line instead
            reply = Reply(text=user_line(exc))
        # Ephemeral in the channel the form was opened from; a DM when the bot cannot post there.
        await svc.notifier.tell(reply, user_id=caller.user_id, channel_id=caller.channel_id)
