"""Kazoo and SMS: a test SMS through crossbar's `PUT /v2/accounts/{account}/sms`; routing inbound
SMS is refused in one line (crossbar has no inbound SMS webhook a number can point at)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx
from redis.asyncio import Redis

from bot import keys
from bot.console.slack_stub import SlackStub
from bot.providers.kazoo import KazooProvider
from tests.conftest import BotFactory
from tests.handlers.conftest import routed
from tests.providers.contract import Account, Listing
from tests.providers.kazoo_wire import ACCOUNT_ID, API_KEY, BASE_URL, KazooWire, authorised, json_of
from tests.slack import TEAM, BotUnderTest
from tests.webhooks import SMS_CHANNEL, route_of, sms_bot

NUMBER = "+14155550123"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, authorised)


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> KazooWire:
    wire = KazooWire(router, account)
    wire.mock_auth()
    account.own(Listing(e164=NUMBER, country="US"))
    return wire


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis, slack: SlackStub) -> BotUnderTest:
    settings = {"kazoo_base_url": BASE_URL, "kazoo_api_key": API_KEY}
    return await sms_bot(make_bot, redis, slack, "kazoo", KazooProvider, NUMBER, **settings)


async def test_a_test_sms_is_queued_through_crossbar(bot: BotUnderTest, wire: KazooWire, redis: Redis) -> None:
    sent = wire.mock_sms()
    ack = await bot.command(f"sms {NUMBER} +14155550199 hello from kazoo")
    reply = bot.last(ack.key).text
    assert reply.startswith(f"✉️ Sent a test SMS from {NUMBER} to +14155550199 via kazoo: 16 characters · message id")
    (request,) = [c.request for c in sent.calls]
    assert request.url.path == f"/v2/accounts/{ACCOUNT_ID}/sms"
    assert json_of(request) == {"data": {"from": NUMBER, "to": "+14155550199", "body": "hello from kazoo"}}
    (entry,) = [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "sms"]
    assert entry["detail"].startswith("to +14155550199, 16 characters, message id 202605-")


async def test_inbound_sms_cannot_be_routed_for_kazoo_and_it_says_so(
    bot: BotUnderTest, wire: KazooWire, slack: SlackStub, redis: Redis, router: respx.MockRouter
) -> None:
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    assert bot.last(ack.key).text == (
        "Kazoo: Kazoo's API has no inbound SMS webhook a number can be pointed at, so its SMS cannot be routed to Slack"
    )
    assert await route_of(redis, NUMBER) is None
    assert router.calls.call_count == 0
    assert slack.api_calls("conversations.info") == []
