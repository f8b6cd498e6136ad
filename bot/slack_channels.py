"""Whether a user may choose a Slack channel: asked of Slack itself, never assumed.

`sms-to` posts a number's messages into a channel, so only a member of that channel may choose
it (otherwise anyone with the buyer role could read a channel's worth of codes into a channel
they can see, or push SMS into one they cannot). Slack answers through ``conversations.info``
(does the bot see it; archived?) and ``conversations.members`` (paged with ``next_cursor``).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import BotError, NotFound, PermissionDenied

__all__ = ["MAX_PAGES", "Channels"]

MAX_PAGES = 50  # 10,000 members at 200 a page
PAGE = 200


class Channels:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def _ask(self, method: str, **args: Any) -> Any:
        try:
            return await getattr(self.client, method)(**args)
        except SlackApiError as exc:
            data = exc.response.data if exc.response is not None else None
            error = data.get("error") if isinstance(data, dict) else "no answer"
            if error == "channel_not_found":
                raise NotFound(
                    f"The bot cannot see <#{args['channel']}>; for a private channel, invite the bot first "
                    "(/invite @numberbot). Nothing was changed."
                ) from None
            raise BotError(
                f"Slack could not say who is in <#{args['channel']}> ({error}); nothing was changed."
            ) from None
        except (aiohttp.ClientError, TimeoutError):
            raise BotError("Slack could not be reached to check the channel; nothing was changed. Try again.") from None

    async def require_member(self, channel: str, user_id: str) -> None:
        """Return when `user_id` is a member of `channel`; else one line saying why not."""
        info = (await self._ask("conversations_info", channel=channel)).get("channel") or {}
        if info.get("is_im") or info.get("is_mpim"):
            raise BotError("Pick a channel (with #), not a direct message.")
        if info.get("is_archived"):
            raise BotError(f"<#{channel}> is archived; pick another channel.")
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await self._ask("conversations_members", channel=channel, limit=PAGE, cursor=cursor)
            if user_id in (page.get("members") or []):
                return
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
        raise PermissionDenied(f"Only a member of <#{channel}> can send a number's SMS there; join it first.")
