"""Form submissions: the search form and the Deny reason form."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot import commands, grammar
from bot.blocks import ids
from bot.replies import failure, user_line
from handlers.middleware import checked_caller, later, services

__all__ = ["handle_deny_submission", "handle_search_submission", "modal_command", "register"]


def _value(values: dict[str, Any], block: str) -> str | None:
    state = (values.get(block) or {}).get(block) or {}
    if state.get("selected_option"):
        return str(state["selected_option"]["value"])
    value = state.get("value")
    return value.strip() if isinstance(value, str) and value.strip() else None


def modal_command(values: dict[str, Any]) -> str:
    """The search form's fields as the equivalent `/number search …` text."""
    parts = ["search", _value(values, ids.COUNTRY) or ""]
    pattern = _value(values, ids.PATTERN)
    if pattern:
        parts.append(pattern)
    provider = _value(values, ids.PROVIDER)
    if provider and provider != ids.ALL_PROVIDERS:
        parts += ["--provider", provider]
    number_type = _value(values, ids.TYPE)
    if number_type and number_type != ids.ANY_TYPE:
        parts += ["--type", number_type]
    return " ".join(parts)


async def handle_search_submission(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """Validate in the ack (errors shown on the field), search after it."""
    svc = services(context)
    async with svc.lifecycle.work():
        view = body["view"]
        try:
            command = grammar.parse(modal_command(view["state"]["values"]), svc.providers.keys())
            assert isinstance(command, commands.Search)
            admitted = await svc.search.admit(checked_caller(context))
        except Exception as exc:  # noqa: BLE001 - bad input or too many searches: shown on the form
            await ack(response_action="errors", errors={ids.COUNTRY: user_line(exc)[:150]})
            return
        await ack()
        try:
            channel = json.loads(view.get("private_metadata") or "{}").get("channel")
        except ValueError:
            channel = None
        caller = checked_caller(context).model_copy(update={"channel_id": channel})

        async def search() -> None:
            try:
                answer: Any = await svc.search.run(caller, command.query, command.provider, admitted=admitted)
            except Exception as exc:  # noqa: BLE001 - one clear line instead
                answer = failure(exc)
            # Ephemeral in the channel the form was opened from; a DM when the bot cannot post there.
            await svc.notifier.tell(answer, user_id=caller.user_id, channel_id=caller.channel_id)

        later(svc, search(), name="form-search")


async def handle_deny_submission(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """The decision happens when the form is submitted; errors are shown on the form."""
    svc = services(context)
    async with svc.lifecycle.work():
        view = body["view"]
        try:
            quote_id = str(json.loads(view.get("private_metadata") or "{}")["quote"])
        except (ValueError, KeyError):
            await ack(response_action="errors", errors={ids.REASON: "This form is broken; press Deny again."})
            return
        state = view["state"]["values"].get(ids.REASON, {}).get(ids.REASON, {})
        reason = (state.get("value") or "").strip()
        caller = checked_caller(context)
        try:
            record = await svc.approvals.decide_deny(caller, quote_id, reason)
        except Exception as exc:  # noqa: BLE001 - shown on the form, one line
            await ack(response_action="errors", errors={ids.REASON: user_line(exc)[:150]})
            return
        await ack()

        async def finish() -> None:
            try:
                await svc.approvals.finish_deny(caller, record, reason)
            except Exception as exc:  # noqa: BLE001 - logged with a reference
                user_line(exc)

        later(svc, finish(), name="deny")


def register(app: AsyncApp) -> None:
    app.view_submission(ids.SEARCH_MODAL)(handle_search_submission)
    app.view_submission(ids.DENY_MODAL)(handle_deny_submission)
