"""Telling a user something outside the request that asked: for work resolved later.

The original conversation is preferred (the message's response_url, which updates the
confirmation in place); then an ephemeral message in the channel; then a DM.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.replies import Reply

__all__ = ["Notifier", "message_kwargs"]

log = logging.getLogger(__name__)


def message_kwargs(reply: Reply) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"text": reply.text}
    if reply.blocks:
        kwargs["blocks"] = reply.blocks
    return kwargs


class Notifier:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(self, channel_id: str, reply: Reply) -> str:
        """Post a channel message; returns its ts (for later updates)."""
        sent = await self.client.chat_postMessage(channel=channel_id, **message_kwargs(reply))
        return str(sent["ts"])

    async def update(self, channel_id: str, ts: str, reply: Reply) -> bool:
        try:
            await self.client.chat_update(channel=channel_id, ts=ts, **message_kwargs(reply))
        except SlackApiError as exc:
            log.warning("could not update message", extra={"channel": channel_id, "error": exc.response.get("error")})
            return False
        return True

    async def tell(
        self,
        reply: Reply,
        *,
        user_id: str,
        response_url: str | None = None,
        channel_id: str | None = None,
    ) -> str:
        """Deliver `reply`; returns how ("response_url", "ephemeral", "dm" or "failed")."""
        if response_url:
            try:
                webhook = AsyncWebhookClient(response_url, timeout=10)
                sent = await webhook.send(
                    **message_kwargs(reply), replace_original=reply.replace_original, response_type="ephemeral"
                )
                if sent.status_code == 200:
                    return "response_url"
                log.warning("response_url refused", extra={"status": sent.status_code})
            except Exception:
                log.warning("response_url failed", exc_info=True)
        if channel_id:
            try:
                await self.client.chat_postEphemeral(channel=channel_id, user=user_id, **message_kwargs(reply))
                return "ephemeral"
            except SlackApiError as exc:
                log.warning("ephemeral failed", extra={"error": exc.response.get("error")})
        try:
            await self.client.chat_postMessage(channel=user_id, **message_kwargs(reply))
            return "dm"
        except SlackApiError as exc:
            log.error("could not tell the user", extra={"user": user_id, "error": exc.response.get("error")})
            return "failed"
