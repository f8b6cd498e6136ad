"""Drive the bot the way Slack does: signed HTTP posts to /slack/events.

A `BotUnderTest` is one bot process: its services, its Bolt app behind the real aiohttp
server, a Slack stand-in receiving Web API calls and response_url posts. Several of them
can share one Redis and one provider to play several replicas behind a load balancer.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp.test_utils import TestClient, TestServer

from bot.blocks import ids
from bot.config import Settings
from bot.console import payloads
from bot.console.block_kit import message_problems, submission_answer_problems
from bot.console.slack_stub import Call, SlackStub
from bot.providers.base import NumberProvider
from bot.rates import Rates
from bot.server import create_app, web_app
from bot.services import Services, build_services, slack_client
from bot.store import RedisClient

__all__ = ["SIGNING_SECRET", "TEAM", "Ack", "BotUnderTest", "start_bot"]

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
TEAM = "T0TEST"
CHANNEL = "C0TEST"
ADMIN = "U0ADMIN"

_keys = itertools.count(1)


@dataclass
class Ack:
    """The HTTP answer Slack would get for a request (the acknowledgement)."""

    status: int
    body: str
    key: str  # the response_url key this request carried

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body.startswith("{") else {}

    @property
    def text(self) -> str:
        return str(self.json.get("text", "")) if self.body.startswith("{") else self.body


@dataclass
class BotUnderTest:
    services: Services
    client: TestClient
    stub: SlackStub
    secret: str = SIGNING_SECRET
    team: str = TEAM
    channel: str = CHANNEL
    extras: dict[str, Any] = field(default_factory=dict)

    async def post(
        self, body: str, *, headers: dict[str, str] | None = None, retry: int | None = None
    ) -> tuple[int, str]:
        headers = headers if headers is not None else payloads.signed_headers(self.secret, body, retry=retry)
        response = await self.client.post("/slack/events", data=body.encode(), headers=headers)
        raw = await response.text()
        self._check_ack(raw)
        return response.status, raw

    def _check_ack(self, raw: str) -> None:
        """An ack that carries a message is checked like any other (Slack refuses bad blocks there too)."""
        try:
            answer = json.loads(raw) if raw.startswith("{") else {}
        except ValueError:
            return
        if "blocks" in answer and not answer.get("response_action"):
            problems = message_problems(answer)
            if problems:
                self.stub.refusals.append(Call("ack", "ack", answer, problems=problems))

    async def command(self, text: str, *, user: str = ADMIN, settle: bool = True) -> Ack:
        key = f"cmd{next(_keys)}"
        body = payloads.slash_command(
            team_id=self.team,
            user_id=user,
            channel_id=self.channel,
            text=text,
            response_url=self.stub.response_url(key),
            trigger_id=f"trigger.{key}",
        )
        status, raw = await self.post(body)
        if settle:
            await self.settle()
        return Ack(status, raw, key)

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = ADMIN,
        key: str | None = None,
        retry: int | None = None,
        settle: bool = True,
        channel: str | None = None,
        block_id: str = "b",
    ) -> Ack:
        """Click a button; `key` names the message's response_url (new one by default)."""
        key = key or f"msg{next(_keys)}"
        body = payloads.block_actions(
            team_id=self.team,
            user_id=user,
            channel_id=channel or self.channel,
            action={"action_id": action_id, "value": value},
            response_url=self.stub.response_url(key),
            trigger_id=f"trigger.{key}",
            block_id=block_id,
        )
        status, raw = await self.post(body, retry=retry)
        if settle:
            await self.settle()
        return Ack(status, raw, key)

    async def submit(self, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str = ADMIN) -> Ack:
        body = payloads.view_submission(team_id=self.team, user_id=user, view=view, values=values)
        status, raw = await self.post(body)
        if status == 200 and raw:
            problems = submission_answer_problems(view, json.loads(raw))
            assert not problems, f"Slack would refuse this acknowledgement: {problems}"
        await self.settle()
        return Ack(status, raw, "view")

    async def home(self, user: str = ADMIN, *, settle: bool = True) -> dict[str, Any]:
        """Open the Home tab as `user` (a signed app_home_opened event); the view published last for them."""
        status, _ = await self.post(
            payloads.app_home_opened(team_id=self.team, user_id=user, event_id=f"Ev{next(_keys)}")
        )
        assert status == 200
        if settle:
            await self.settle()
        return self.home_view(user)

    def home_views(self, user: str = ADMIN) -> list[dict[str, Any]]:
        """Every Home view published for `user`, oldest first."""
        found = []
        for call in self.stub.api_calls("views.publish"):
            if call.data.get("user_id") == user and not call.refused:
                view = call.data["view"]
                found.append(json.loads(view) if isinstance(view, str) else view)
        return found

    def home_view(self, user: str = ADMIN) -> dict[str, Any]:
        views = self.home_views(user)
        assert views, f"no Home tab was published for {user}"
        return views[-1]

    @staticmethod
    def home_buttons(view: dict[str, Any], action_id: str | None = None) -> list[dict[str, Any]]:
        return [e for _, e in BotUnderTest._placed_in(view["blocks"]) if action_id in (None, e["action_id"])]

    async def click_home(self, action_id: str, value: str, *, user: str = ADMIN, settle: bool = True) -> str:
        """Click a button in the Home tab, as Slack sends it (no channel, no response_url); the trigger id."""
        trigger = f"trigger.home{next(_keys)}"
        body = payloads.home_actions(
            team_id=self.team,
            user_id=user,
            action={"action_id": action_id, "value": value},
            trigger_id=trigger,
            view_id="V0HOME",
        )
        status, raw = await self.post(body)
        assert (status, raw) == (200, ""), "a Home click is acknowledged with nothing to show"
        if settle:
            await self.settle()
        return trigger

    async def settle(self, timeout: float = 20.0) -> None:
        assert await self.services.lifecycle.drain(timeout), "work after the ack did not finish"

    def replies(self, key: str) -> list[Call]:
        return self.stub.responses(key)

    def last(self, key: str) -> Call:
        replies = self.replies(key)
        assert replies, f"nothing was posted to response_url {key}"
        return replies[-1]

    @staticmethod
    def _placed(call: Call) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Every button of a message with the block it sits in."""
        return BotUnderTest._placed_in(call.blocks)

    @staticmethod
    def _placed_in(blocks: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        found = []
        for block in blocks:
            elements = list(block.get("elements", [])) if block.get("type") == "actions" else []
            if block.get("accessory"):
                elements.append(block["accessory"])
            found += [(block, e) for e in elements if e.get("type") == "button"]
        return found

    def buttons(self, call: Call, action_id: str | None = None) -> list[dict[str, Any]]:
        return [e for _, e in self._placed(call) if action_id is None or e["action_id"] == action_id]

    async def press(self, message: Call, action_id: str, *, user: str = ADMIN, key: str | None = None) -> Ack:
        """Click the one button with `action_id` that `message` shows, as Slack sends that click."""
        found = [(b, e) for b, e in self._placed(message) if e.get("action_id") == action_id]
        assert len(found) == 1, f"{len(found)} {action_id} buttons in: {message.text}"
        ((block, button),) = found
        return await self.click(
            action_id, button["value"], user=user, key=key, block_id=str(block.get("block_id", "b"))
        )

    async def press_buy(self, search: str, *, user: str = ADMIN, key: str = "results", index: int = 0) -> Call:
        """Run `/number <search>` and press Buy on one result; the confirmation that came back."""
        ack = await self.command(search, user=user)
        buy = self.buttons(self.last(ack.key), ids.BUY)[index]
        await self.click(ids.BUY, buy["value"], user=user, key=key)
        return self.last(key)

    def quote_id(self, confirmation: Call) -> str:
        """The quote a confirmation's Confirm (or Request approval) button carries."""
        found = self.buttons(confirmation, ids.CONFIRM) or self.buttons(confirmation, ids.REQUEST_APPROVAL)
        assert found, f"no Confirm or Request approval button in: {confirmation.text}"
        return str(found[0]["value"])

    async def buy(self, search: str, *, user: str = ADMIN, key: str = "confirmation") -> Call:
        """Search, press Buy on the first result and Confirm; the purchase's last message."""
        confirmation = await self.press_buy(search, user=user, key=f"{key}-results")
        (confirm,) = self.buttons(confirmation, ids.CONFIRM)
        await self.click(ids.CONFIRM, confirm["value"], user=user, key=key)
        return self.last(key)

    async def aclose(self) -> None:
        await self.client.close()
        if self.services.slack.session is not None:
            await self.services.slack.session.close()


async def start_bot(
    settings: Settings,
    *,
    redis: RedisClient,
    stub: SlackStub,
    providers: dict[str, NumberProvider] | None = None,
    http: httpx.AsyncClient | None = None,
    worker: str | None = None,
    rates: Rates | None = None,
) -> BotUnderTest:
    slack = slack_client(settings.model_copy(update={"slack_api_url": stub.api_url}), token="xoxb-test-token")
    services = build_services(
        settings,
        redis=redis,
        http=http or httpx.AsyncClient(timeout=5),
        slack=slack,
        providers=providers,
        worker=worker,
        rates=rates,
    )
    bolt = create_app(services, signing_secret=SIGNING_SECRET)
    client = TestClient(TestServer(web_app(bolt, services)))
    await client.start_server()
    return BotUnderTest(services=services, client=client, stub=stub)
