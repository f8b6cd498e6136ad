"""Posting received SMS into their channels, in order, once Slack takes them.

A webhook queues the message and starts a drain of that number's queue right after answering.
A drain holds the number's lease (one process at a time, so the order holds with any number of
processes), posts the head, and takes it off the queue only once Slack answered with the
message's ts. While Slack is unreachable or rate limits (HTTP 429 with Retry-After), the queue
waits in Redis with a "not before" time; every process's sweep (every couple of seconds) drains
what is due, so the messages arrive in order once Slack is back. A number unrouted or released
has its queue dropped, texts and all, instead of posted.
When Slack refuses the post itself (channel archived, bot not in a private channel) the queue
keeps waiting, and whoever routed the number is told in a DM, once a day while it lasts.

The sweep also turns the View message button of a private SMS whose text expired into a line
saying so (chat.update), so the channel never offers what can no longer be shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.models import new_id
from bot.notify import Notifier
from bot.outcomes import SmsStuck
from bot.pool import PoolStore
from bot.sms import post_of
from bot.sms_models import SmsRoute
from bot.sms_store import Head, SmsStore
from bot.store import STORAGE_ERRORS

__all__ = ["BACKOFF", "INTERVAL", "SmsDelivery", "quiet_client"]

log = logging.getLogger(__name__)

INTERVAL = 2.0  # seconds between sweeps
BACKOFF = 5.0  # Slack unreachable or failing: try again after this long
STUCK = 60.0  # Slack refuses the post itself (channel gone, bot removed): try again after this long
_TRANSIENT = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def quiet_client(client: AsyncWebClient) -> AsyncWebClient:
    """The bot's Web API client for posting SMS, on a logger that never logs below WARNING
    (slack_sdk's DEBUG lines carry each request's JSON: here a message's text) and without
    slack_sdk's own retries: a post that fails waits in Redis, and the queue keeps its order."""
    logger = logging.getLogger("numberbot.sms.slack")
    logger.setLevel(logging.WARNING)
    return AsyncWebClient(
        token=client.token, base_url=client.base_url, timeout=client.timeout, logger=logger, retry_handlers=[]
    )


class SmsDelivery:
    def __init__(
        self,
        *,
        store: SmsStore,
        pool: PoolStore,
        notifier: Notifier,
        reveal_seconds: int,
        simulated: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.time,
        interval: float = INTERVAL,
    ) -> None:
        self.store = store
        self.pool = pool
        self.notifier = notifier
        self.reveal_seconds = reveal_seconds
        self.simulated = simulated
        self.clock = clock
        self.interval = interval

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    async def drain(self, team_id: str, e164: str) -> int:
        """Post the number's queue in order while Slack takes it; how many were posted."""
        token = new_id()
        if not await self.store.lease(team_id, e164, token):
            return 0  # another process is posting it, in order
        posted = 0
        try:
            while True:
                head = await self.store.head(team_id, e164)
                if head.sms_id is None:
                    if await self.store.idle(team_id, e164):
                        return posted
                    continue  # one arrived just now
                if head.route is None:  # unrouted, or the number left the pool: nothing more is posted
                    await self.store.clear(team_id, e164, unroute=False)
                    return posted
                if head.retry_at > self._now_ms():
                    return posted
                if not await self._post(team_id, e164, head, token):
                    return posted
                posted += 1
        finally:
            await self.store.release(team_id, e164, token)

    async def _post(self, team_id: str, e164: str, head: Head, token: str) -> bool:
        """Post the head; False when the queue must wait (Slack) or the lease was lost."""
        route, queued, sms_id = head.route, head.queued, head.sms_id
        assert route is not None
        assert sms_id is not None
        if queued is None:  # its details expired (it waited a week): nothing to show
            return await self.store.done(team_id, e164, sms_id, token=token, keep_text=False, posted=None)
        item = await self.pool.item(team_id, e164)
        post = post_of(queued, item, text=head.text, private=route.private, reveal_seconds=self.reveal_seconds)
        post = post.model_copy(update={"simulated": self.simulated, "expired": route.private and head.text is None})
        try:
            ts = await self.notifier.post(route.channel, post)
        except SlackApiError as exc:
            wait = _wait(exc)
            await self.store.retry_later(team_id, e164, self._now_ms() + int(1000 * wait))
            if wait == STUCK:
                await self._tell_stuck(team_id, e164, route, str(exc.response.get("error", "")))
            return False
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("slack unreachable; sms kept in order", extra={"error": type(exc).__name__})
            await self.store.retry_later(team_id, e164, self._now_ms() + int(1000 * BACKOFF))
            return False
        if head.retry_at:  # it had to wait: if Slack was refusing, a later refusal is news again
            await self.store.unstuck(team_id, e164)
        posted = queued.model_copy(update={"channel": route.channel, "ts": ts})
        keep = route.private and head.text is not None  # revealable until its own expiry
        return await self.store.done(team_id, e164, sms_id, token=token, keep_text=keep, posted=posted)

    async def _tell_stuck(self, team_id: str, e164: str, route: SmsRoute, error: str) -> None:
        """Tell whoever routed the number (a DM, once a day) that Slack refuses its posts."""
        if not await self.store.stuck(team_id, e164, error):
            return
        stuck = SmsStuck(e164=e164, channel=route.channel, error=error, simulated=self.simulated)
        try:
            await self.notifier.tell(stuck, user_id=route.by)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("could not tell the router", extra={"error": type(exc).__name__})

    async def expire_buttons(self, team_id: str) -> int:
        """Replace View message with "expired" on posts whose text is gone; how many were updated."""
        updated = 0
        for sms_id in await self.store.expired(team_id, self._now_ms()):
            queued, text = await self.store.message(team_id, sms_id)
            if text is not None:
                continue  # the clock ran ahead of Redis: next sweep
            if queued is not None and queued.channel and queued.ts:
                item = await self.pool.item(team_id, queued.to)
                post = post_of(queued, item, text=None, private=True, reveal_seconds=self.reveal_seconds)
                post = post.model_copy(update={"simulated": self.simulated, "expired": True})
                updated += await self.notifier.update(queued.channel, queued.ts, post)
            await self.store.forget_expired(team_id, sms_id)
        return updated

    async def run_once(self) -> None:
        for team_id in sorted(await self.store.teams()):
            for e164 in sorted(await self.store.pending(team_id)):
                await self.drain(team_id, e164)
            await self.expire_buttons(team_id)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Sweep every `interval` until `stop` is set (an Event, not a cancellation: a cancellation
        that lands inside a Redis client call can be swallowed there and never end the loop)."""
        while not stop.is_set():
            try:
                await self.run_once()
            except STORAGE_ERRORS:
                log.warning("sms delivery: storage unavailable; retrying")
            except (aiohttp.ClientError, TimeoutError, OSError):
                log.warning("sms delivery: slack unreachable; retrying")
            except Exception:
                log.exception("sms delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)


def _wait(exc: SlackApiError) -> float:
    """How long Slack asked the queue to wait (Retry-After on 429), or a backoff by error."""
    response = exc.response
    error = str(response.get("error", "")) if response is not None else ""
    if response is not None and response.status_code == 429:
        try:
            return max(1.0, float(response.headers.get("Retry-After") or response.headers.get("retry-after") or 1))
        except ValueError:
            return BACKOFF
    if error in _TRANSIENT or (response is not None and response.status_code >= 500):
        return BACKOFF
    log.warning("slack refused an sms post; kept in order", extra={"error": error})
    return STUCK
