"""Telling people something outside the request that asked: for work resolved later.

The original conversation is preferred (the message's response_url, which updates the
confirmation in place); then an ephemeral message in the channel; then a DM. Everything
sent is an outcome rendered by bot.blocks and shaped by bot.replies.slack_args.
"""

from __future__ import annotations

import logging

import aiohttp
import orjson
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import render, render_view
from bot.outcomes import Outcome
from bot.replies import Reply, slack_args

__all__ = ["Notifier"]

log = logging.getLogger(__name__)


RESPOND_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
_JSON = {"Content-Type": "application/json"}


class Notifier:
    """Slack's Web API client, and response_url posts over the same aiohttp session (one
    connection pool for everything sent to Slack, not a new session per post)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def respond(self, response_url: str, reply: Reply) -> bool:
        """Post to a response_url; False (logged, never raised) when Slack did not take it."""
        session = self.client.session
        if session is None or session.closed:
            log.warning("response_url: no open Slack session")
            return False
        try:
            body = orjson.dumps(slack_args(reply, "respond"))
            async with session.post(response_url, data=body, headers=_JSON, timeout=RESPOND_TIMEOUT) as answer:
                await answer.read()
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("response_url failed", extra={"error": type(exc).__name__})
            return False
        if status != 200:
            log.warning("response_url refused", extra={"status": status})
            return False
        return True

    async def post(self, channel_id: str, outcome: Outcome) -> str:
        """Post a channel message; returns its ts (for later updates)."""
        sent = await self.client.chat_postMessage(channel=channel_id, **slack_args(render(outcome), "api"))
        return str(sent["ts"])

    async def update(self, channel_id: str, ts: str, outcome: Outcome) -> bool:
        try:
            await self.client.chat_update(channel=channel_id, ts=ts, **slack_args(render(outcome), "api"))
        except SlackApiError as exc:
            log.warning("could not update message", extra={"channel": channel_id, "error": exc.response.get("error")})
            return False
        return True

    async def publish(self, user_id: str, outcome: Outcome) -> None:
        """Publish a user's Home tab (views.publish); Slack's refusal is raised."""
        await self.client.views_publish(user_id=user_id, view=render_view(outcome))

    async def upload(
        self,
        content: bytes,
        *,
        filename: str,
        title: str,
        alt: str,
        channel: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Upload a file with files.uploadV2; returns its id. Without a channel it is shared
        nowhere: an image block of a view the bot publishes shows it by that id."""
        sent = await self.client.files_upload_v2(
            content=content, filename=filename, title=title, alt_txt=alt, channel=channel, thread_ts=thread_ts
        )
        return str(sent["file"]["id"])

    async def delete_file(self, file_id: str) -> None:
        try:
            await self.client.files_delete(file=file_id)
        except SlackApiError as exc:
            log.warning("could not delete a file", extra={"file": file_id, "error": exc.response.get("error")})

    async def tell(
        self,
        outcome: Outcome | Reply,
        *,
        user_id: str,
        response_url: str | None = None,
        channel_id: str | None = None,
    ) -> str:
        """Deliver `outcome`; returns how ("response_url", "ephemeral", "dm" or "failed")."""
        reply = outcome if isinstance(outcome, Reply) else render(outcome)
        if response_url and await self.respond(response_url, reply):
            return "response_url"
        if channel_id:
            try:
                await self.client.chat_postEphemeral(channel=channel_id, user=user_id, **slack_args(reply, "api"))
                return "ephemeral"
            except SlackApiError as exc:
                log.warning("ephemeral failed", extra={"error": exc.response.get("error")})
        try:
            await self.client.chat_postMessage(channel=user_id, **slack_args(reply, "api"))
            return "dm"
        except SlackApiError as exc:
            log.error("could not tell the user", extra={"user": user_id, "error": exc.response.get("error")})
            return "failed"
