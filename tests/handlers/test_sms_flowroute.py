"""Flowroute SMS end to end: the number's own SMS callback, inbound JSON:API webhooks (token in the
URL: Flowroute signs nothing), and test SMS through Messages v2.1, mocked at api.flowroute.com."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import respx
from redis.asyncio import Redis

from bot import keys
from bot.console.slack_stub import SlackStub
from bot.providers.flowroute import FlowrouteProvider
from tests.conftest import BotFactory
from tests.handlers.conftest import routed
from tests.providers.contract import Listing
from tests.providers.flowroute_wire import (
    ACCESS_KEY,
    BASE_URL,
    SECRET_KEY,
    FlowrouteAccount,
    FlowrouteWire,
    authorised,
    json_of,
    seattle,
)
from tests.slack import TEAM, BotUnderTest
from tests.webhooks import PUBLIC_URL, SMS_CHANNEL, deliver, posts, route_number, route_of, sms_bot

NUMBER = seattle(123)


@pytest.fixture
def account() -> FlowrouteAccount:
    account = FlowrouteAccount()
    account.own(Listing(e164=NUMBER, country="US"))
    return account


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, authorised)


@pytest.fixture
def wire(router: respx.MockRouter, account: FlowrouteAccount) -> FlowrouteWire:
    wire = FlowrouteWire(router, account)
    wire.mock_account()
    return wire


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis, slack: SlackStub) -> BotUnderTest:
    keys_ = {"flowroute_access_key": ACCESS_KEY, "flowroute_secret_key": SECRET_KEY}
    return await sms_bot(make_bot, redis, slack, "flowroute", FlowrouteProvider, NUMBER, **keys_)


def inbound(text: str, message_id: str = "mdr2-39cadeace66e11e7aff806cd7f24ba2d") -> dict:
    """Messages v2.1's inbound SMS, as its "Receive an SMS" reference lists the fields."""
    return {
        "data": {
            "attributes": {
                "amount_display": "$0.0000",
                "amount_nanodollars": 0,
                "body": text,
                "direction": "inbound",
                "from": "12065550199",
                "is_mms": False,
                "message_callback_url": "https://numberbot.example.com/webhooks/flowroute/sms",
                "message_encoding": 0,
                "message_type": "longcode",
                "status": "delivered",
                "timestamp": "2026-05-04T10:11:12.34Z",
                "to": NUMBER.removeprefix("+"),
            },
            "id": message_id,
            "type": "message",
        }
    }


async def test_sms_to_sets_and_off_removes_the_numbers_own_sms_callback(
    bot: BotUnderTest, wire: FlowrouteWire, account: FlowrouteAccount, redis: Redis
) -> None:
    callback = wire.mock_sms_callback()
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    assert f"SMS to {NUMBER} (flowroute) now go to <#{SMS_CHANNEL}>" in bot.last(ack.key).text
    (request,) = [c.request for c in callback.calls]
    assert (request.method, request.url.path) == ("POST", "/v2/numbers/12065550123/relationships/sms_callback")
    url = json_of(request)["data"]["attributes"]["callback_url"]
    route = await route_of(redis, NUMBER)
    assert route is not None
    assert url.startswith(f"{PUBLIC_URL}/webhooks/flowroute/sms?")
    assert parse_qs(urlsplit(url).query)["token"] == [route.token]
    assert account.sms_callbacks == {NUMBER: url}

    await bot.command(f"sms-to {NUMBER} off")
    assert callback.calls.last.request.method == "DELETE"
    assert account.sms_callbacks == {}


async def test_inbound_sms_in_either_format_posts_once_and_a_forged_token_is_refused(
    bot: BotUnderTest, wire: FlowrouteWire, slack: SlackStub, redis: Redis
) -> None:
    wire.mock_sms_callback()
    query = await route_number(bot, redis, NUMBER)
    first = await deliver(bot, "flowroute", query, json_body=inbound("hello from v2.1"))
    retried = await deliver(bot, "flowroute", query, json_body=inbound("hello from v2.1"))
    flat = {"to": NUMBER.removeprefix("+"), "body": "hello, flat", "from": "18553569768", "id": "mdr1-febb118b"}
    older = await deliver(bot, "flowroute", query, json_body=flat)
    forged = await deliver(bot, "flowroute", {**query, "token": "guessed"}, json_body=inbound("x", "mdr2-2"))
    assert [a.status for a in (first, retried, older, forged)] == [200, 200, 200, 403]
    assert [p.text for p in posts(slack)] == [
        f"SMS to {NUMBER} from +12065550199: hello from v2.1",
        f"SMS to {NUMBER} from +18553569768: hello, flat",
    ]
    assert "received 2026-05-04 10:11:12 UTC" in str(posts(slack)[0].blocks), "Flowroute's own timestamp"


async def test_a_number_no_longer_on_the_account_is_said_in_one_line(
    bot: BotUnderTest, wire: FlowrouteWire, account: FlowrouteAccount, redis: Redis
) -> None:
    wire.mock_sms_callback()
    account.drop(NUMBER)
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    assert bot.last(ack.key).text == f"Flowroute: {NUMBER} is not on the Flowroute account"
    assert await route_of(redis, NUMBER) is None


async def test_a_test_sms_is_sent_through_messages_v2_1(
    bot: BotUnderTest, wire: FlowrouteWire, account: FlowrouteAccount, redis: Redis
) -> None:
    messages = wire.mock_messages()
    ack = await bot.command(f"sms {NUMBER} +14155550123 Hello from the bot")
    reply = bot.last(ack.key).text
    assert reply == (
        f"✉️ Sent a test SMS from {NUMBER} to +14155550123 via flowroute: 18 characters · message id `mdr2-{1:032x}`"
    ), "Flowroute's v2.1 answer carries no price"
    (request,) = [c.request for c in messages.calls]
    assert json_of(request) == {
        "data": {
            "type": "message",
            "attributes": {"to": "14155550123", "from": "12065550123", "body": "Hello from the bot"},
        }
    }
    (entry,) = [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "sms"]
    assert entry["detail"] == f"to +14155550123, 18 characters, message id mdr2-{1:032x}"


async def test_flowroute_messaging_is_for_plus_one_numbers_only(bot: BotUnderTest, wire: FlowrouteWire) -> None:
    messages = wire.mock_messages()
    ack = await bot.command(f"sms {NUMBER} +447400123456 hello")
    assert (
        bot.last(ack.key).text
        == "Flowroute: Flowroute messaging works with +1 numbers only, not the destination +447400123456"
    )
    assert messages.call_count == 0
