"""The console's text messages: `:sms <NUMBER> <text…>` sends a sandbox number an SMS.

The console runs the bot's real HTTP surface on a local port (`serve`), so a simulated SMS
takes the road a provider's does: a POST to ``/webhooks/sandbox/sms`` with the route's token,
answered at once, then posted into the routed channel by the delivery that runs beside it.
`link_channels` does what Slack does to a slash command's text (``should_escape``): a typed
``#console`` reaches the bot as ``<#C0CONSOLE|console>``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiohttp import web

from bot.models import new_id
from bot.phone import parse_number

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from bot.console.slack_stub import SlackStub
    from bot.services import Services

__all__ = ["SENDER", "link_channels", "send", "serve"]

SENDER = "+447700900123"  # Ofcom's range for drama: nobody's real number
_HASHTAG = re.compile(r"(?<![<\w])#([a-z0-9_-]{1,80})\b")


async def serve(bolt: AsyncApp, services: Services) -> tuple[web.AppRunner, str]:
    """The bot's web app (webhooks and the SMS delivery) on a free local port; (runner, base URL)."""
    from bot.server import web_app  # the console is a composition root too

    runner = web.AppRunner(web_app(bolt, services, slack_events=False), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def link_channels(text: str, stub: SlackStub) -> str:
    """`#name` of a channel the stand-in knows, as Slack sends it: `<#ID|name>`."""
    by_name = {channel.name: channel.id for channel in stub.channels.values()}

    def link(match: re.Match[str]) -> str:
        channel = by_name.get(match.group(1))
        return f"<#{channel}|{match.group(1)}>" if channel else match.group(0)

    return _HASHTAG.sub(link, text)


async def send(services: Services, base_url: str, team_id: str, args: str) -> str:
    """Post a simulated SMS to the number's webhook; one line saying what the webhook answered."""
    number, _, text = args.strip().partition(" ")
    e164 = parse_number(number)
    if e164 is None or not text.strip():
        return "Usage: :sms <NUMBER> <text…>   e.g. :sms +442079460123 Your code is 123456"
    route, _ = await services.sms_store.route(team_id, e164)
    if route is None or route.provider != "sandbox":
        return f"{e164} is not routed from the sandbox: /number sms-to {e164} #console first."
    body = {"id": new_id(), "from": SENDER, "to": e164, "text": text.strip()}
    query = {"team": team_id, "number": e164.removeprefix("+"), "token": route.token}
    answer = await services.http.post(f"{base_url}/webhooks/sandbox/sms", params=query, json=body)
    if answer.status_code != 200:
        return f"(the webhook answered HTTP {answer.status_code})"
    return f"(an SMS from {SENDER} to {e164} reached the webhook: HTTP 200)"
