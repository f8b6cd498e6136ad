"""The Deny reason form: the decision happens when it is submitted."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.blocks import ids
from handlers.common import caller_from, services, user_line

__all__ = ["handle_deny_submission"]


async def handle_deny_submission(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
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
        caller = caller_from(body)
        try:
            record = await svc.approvals.decide_deny(caller, quote_id, reason)
        except Exception as exc:  # noqa: BLE001 - shown on the form, one line
            await ack(response_action="errors", errors={ids.REASON: user_line(exc)[:150]})
            return
        await ack()
        try:
            await svc.approvals.finish_deny(caller, record, reason)
        except Exception as exc:  # noqa: BLE001 - logged with a reference
            user_line(exc)
