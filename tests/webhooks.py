"""Drive SMS the way providers and Slack do: webhook POSTs into the real aiohttp app, posts read back.

`deliver` POSTs one webhook to ``/webhooks/<provider>/sms`` of a `BotUnderTest` (JSON or a form)
and lets the work after the answer finish; `posts` are the SMS the bot put into channels
(``chat.postMessage`` calls whose button or text is an SMS's), oldest first.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from redis.asyncio import Redis

from bot.console.slack_stub import Call, SlackStub
from bot.sms_models import SmsRoute
from bot.sms_store import SmsStore
from tests.handlers.conftest import pooled, provider_bot
from tests.slack import ADMIN, TEAM, BotUnderTest

__all__ = [
    "PUBLIC_URL",
    "SMS_CHANNEL",
    "Delivered",
    "deliver",
    "posts",
    "query_for",
    "route_number",
    "route_of",
    "sandbox_sms",
    "sms_bot",
    "sms_channel",
]

SMS_CHANNEL = "C0SMS"
PUBLIC_URL = "https://numberbot.example.com"


class Delivered:
    """A webhook's answer: status, JSON body, and how long the bot took to answer."""

    def __init__(self, status: int, body: Any, seconds: float) -> None:
        self.status, self.body, self.seconds = status, body, seconds


def sms_channel(stub: SlackStub, *members: str, channel: str = SMS_CHANNEL, **flags: bool) -> str:
    """A channel Slack knows, with `members` (the admin by default)."""
    stub.add_channel(channel, name="sms", members=list(members or (ADMIN,)), **flags)
    return channel


async def route_of(redis: Redis, e164: str, team: str = TEAM) -> SmsRoute | None:
    route, _ = await SmsStore(redis).route(team, e164)
    return route


def query_for(route: SmsRoute | None, e164: str, *, team: str = TEAM, token: str | None = None) -> dict[str, str]:
    """The query of the number's webhook URL (its route's token unless `token` is given)."""
    query = {"team": team, "number": e164.removeprefix("+")}
    chosen = token if token is not None else (route.token if route else "")
    if chosen:
        query["token"] = chosen
    return query


async def route_number(bot: BotUnderTest, redis: Redis, e164: str, *, private: bool = False) -> dict[str, str]:
    """`/number sms-to <e164> #sms` through Slack; the query of the number's webhook URL."""
    ack = await bot.command(f"sms-to {e164} <#{SMS_CHANNEL}|sms>" + (" --private" if private else ""))
    assert "now go to" in bot.last(ack.key).text, bot.last(ack.key).text
    return query_for(await route_of(redis, e164), e164)


async def sms_bot(
    make_bot: Callable[..., Awaitable[BotUnderTest]],
    redis: Redis,
    slack: SlackStub,
    provider: str,
    cls: type,
    number: str,
    **settings: object,
) -> BotUnderTest:
    """A bot whose only provider is built from `settings`, with PUBLIC_URL, the #sms channel (the
    admin in it) and `number` in the pool."""
    bot = await provider_bot(make_bot, redis, provider, cls, public_url=PUBLIC_URL, **settings)
    sms_channel(slack)
    await pooled(redis, number, provider=provider)
    return bot


async def deliver(
    bot: BotUnderTest,
    provider: str,
    query: dict[str, str],
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    settle: bool = True,
) -> Delivered:
    if form is not None:
        data, content_type = urlencode(form).encode(), "application/x-www-form-urlencoded"
    else:
        data, content_type = json.dumps(json_body).encode(), "application/json"
    started = time.monotonic()
    response = await bot.client.post(
        f"/webhooks/{provider}/sms",
        params=query,
        data=data,
        headers={"content-type": content_type, **(headers or {})},
    )
    seconds = time.monotonic() - started
    body = await response.json()
    if settle:
        await bot.settle()
    return Delivered(response.status, body, seconds)


def sandbox_sms(to: str, text: str, *, message_id: str = "m1", sender: str = "+447700900123") -> dict[str, str]:
    """The sandbox's (the console's) webhook body."""
    return {"id": message_id, "from": sender, "to": to, "text": text}


def posts(stub: SlackStub, channel: str = SMS_CHANNEL) -> list[Call]:
    """SMS Slack accepted into `channel`, oldest first."""
    calls = stub.api_calls("chat.postMessage")
    return [c for c in calls if c.data.get("channel") == channel and "SMS to" in c.text and c.answer.get("ok")]
