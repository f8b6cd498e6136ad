"""Vonage SMS end to end: the number's moHttpUrl (other settings kept), signed and token webhooks,
long messages put back together, and test SMS through the SMS API, mocked at rest.nexmo.com.

The signatures here are computed by hand from Vonage's "Signing Messages" guide, independently
of the adapter: every parameter but `sig`, sorted, as `&name=value` with `&` and `=` in values
replaced by `_`; "MD5 hash" appends the secret and takes the MD5, the HMAC methods key by it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from redis.asyncio import Redis

from bot import keys
from bot.console.slack_stub import SlackStub
from bot.providers.vonage import VonageProvider
from bot.sms_store import SmsStore
from tests.conftest import BotFactory
from tests.handlers.conftest import routed
from tests.providers.contract import Account, Listing, london
from tests.providers.vonage_wire import API_KEY, API_SECRET, BASE_URL, VonageWire, authorised, form_of
from tests.slack import TEAM, BotUnderTest
from tests.webhooks import PUBLIC_URL, SMS_CHANNEL, deliver, posts, query_for, route_number, route_of, sms_bot

NUMBER = london(123)
SIGNATURE_SECRET = "vonage-signature-secret-5e1f"
SETTINGS = {
    "app_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
    "voiceStatusCallback": "https://voice.example.com/status",
    "messagesCallbackType": "app",
    "messagesCallbackValue": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
}


def signed(params: dict[str, str], secret: str = SIGNATURE_SECRET, method: str = "md5hash") -> dict[str, str]:
    base = "".join(f"&{k}={params[k].replace('&', '_').replace('=', '_')}" for k in sorted(params))
    if method == "md5hash":
        sig = hashlib.md5((base + secret).encode()).hexdigest()
    else:
        sig = hmac.new(secret.encode(), base.encode(), getattr(hashlib, method)).hexdigest().upper()
    return {**params, "sig": sig}


def inbound(text: str = "Your code is 123456", message_id: str = "0B00000012345678", **extra: str) -> dict[str, str]:
    """An inbound SMS as Vonage's reference lists its fields."""
    return {
        "msisdn": "447700900123",
        "to": NUMBER.removeprefix("+"),
        "messageId": message_id,
        "text": text,
        "type": "text",
        "keyword": text.split()[0].upper(),
        "message-timestamp": "2026-05-04 10:11:12",
        **extra,
    }


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, authorised)


@pytest.fixture
def wire(router: respx.MockRouter, account: Account) -> VonageWire:
    wire = VonageWire(router, account)
    wire.mock_account()
    account.own(Listing(e164=NUMBER, forward_to="+447400123456"))
    wire.settings[NUMBER] = dict(SETTINGS)
    return wire


async def vonage_bot(make_bot: BotFactory, redis: Redis, slack: SlackStub, **settings: object) -> BotUnderTest:
    keys_ = {"vonage_api_key": API_KEY, "vonage_api_secret": API_SECRET}
    return await sms_bot(make_bot, redis, slack, "vonage", VonageProvider, NUMBER, **keys_, **settings)


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis, slack: SlackStub) -> BotUnderTest:
    return await vonage_bot(make_bot, redis, slack)


@pytest.fixture
async def signing_bot(make_bot: BotFactory, redis: Redis, slack: SlackStub) -> BotUnderTest:
    return await vonage_bot(make_bot, redis, slack, vonage_signature_secret=SIGNATURE_SECRET)


async def test_sms_to_sets_the_numbers_sms_webhook_and_keeps_its_other_settings(
    bot: BotUnderTest, wire: VonageWire, account: Account, redis: Redis
) -> None:
    update = wire.mock_update()
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    reply = bot.last(ack.key).text
    assert f"SMS to {NUMBER} (vonage) now go to <#{SMS_CHANNEL}>" in reply
    assert "linked to a Vonage application" in reply, "its Messages API link may take the SMS instead"
    (request,) = [call.request for call in update.calls]
    form = form_of(request)
    url = form.pop("moHttpUrl")
    assert form == {
        "country": "GB",
        "msisdn": NUMBER.removeprefix("+"),
        **SETTINGS,
        "voiceCallbackType": "tel",
        "voiceCallbackValue": "447400123456",
    }, "the application, callbacks and forward go back unchanged"
    route = await route_of(redis, NUMBER)
    assert route is not None
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{PUBLIC_URL}/webhooks/vonage/sms"
    assert parse_qs(parts.query) == {"team": [TEAM], "number": [NUMBER.removeprefix("+")], "token": [route.token]}
    assert wire.settings[NUMBER] == {**SETTINGS, "moHttpUrl": url}
    assert account.owned[NUMBER].forward_to == "+447400123456", "the forward is still there"

    off = await bot.command(f"sms-to {NUMBER} off")
    assert "no longer posted" in bot.last(off.key).text
    assert "moHttpUrl" not in form_of(update.calls.last.request), "left out: Vonage clears it"
    assert wire.settings[NUMBER] == SETTINGS
    assert account.owned[NUMBER].forward_to == "+447400123456"


async def test_a_vonage_refusal_leaves_the_route_as_it_was(bot: BotUnderTest, wire: VonageWire, redis: Redis) -> None:
    wire.router.post("/number/update").mock(
        return_value=httpx.Response(420, json={"error-code": "420", "error-code-label": "method failed"})
    )
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    assert bot.last(ack.key).text.startswith(f"Vonage: could not set the SMS webhook of {NUMBER}: method failed")
    assert await route_of(redis, NUMBER) is None
    audit = [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "sms-to"]
    assert [a["outcome"] for a in audit] == ["failed"]


async def test_a_token_webhook_posts_form_or_json_once(
    bot: BotUnderTest, wire: VonageWire, slack: SlackStub, redis: Redis
) -> None:
    wire.mock_update()
    query = await route_number(bot, redis, NUMBER)
    form = await deliver(bot, "vonage", query, form=inbound("hello from a form", "0B00000000000001"))
    as_json = await deliver(bot, "vonage", query, json_body=inbound("hello from json", "0B00000000000002"))
    again = await deliver(bot, "vonage", query, form=inbound("hello from a form", "0B00000000000001"))
    assert (form.status, as_json.status, again.status) == (200, 200, 200)
    assert [p.text for p in posts(slack)] == [
        f"SMS to {NUMBER} from +447700900123: hello from a form",
        f"SMS to {NUMBER} from +447700900123: hello from json",
    ]
    forged = await deliver(bot, "vonage", {**query, "token": "x" * 32}, form=inbound(message_id="0B00000000000003"))
    assert forged.status == 403
    assert len(posts(slack)) == 2


async def test_with_a_signature_secret_the_url_has_no_token_and_signed_webhooks_are_checked(
    signing_bot: BotUnderTest, wire: VonageWire, slack: SlackStub, redis: Redis
) -> None:
    bot = signing_bot
    update = wire.mock_update()
    await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    url = form_of(update.calls.last.request)["moHttpUrl"]
    assert url == f"{PUBLIC_URL}/webhooks/vonage/sms?team={TEAM}&number={NUMBER.removeprefix('+')}"
    query = query_for(None, NUMBER)
    now = str(int(time.time()))
    base = {"timestamp": now, "nonce": "7a9c4e2b-1f0e-4d3a-9b8c-5e6f7a8b9c0d", "api-key": API_KEY}

    md5 = await deliver(bot, "vonage", query, form=signed(inbound("md5 & = hash", "0B01", **base)))
    sha = await deliver(bot, "vonage", query, json_body=signed(inbound("sha", "0B02", **base), method="sha256"))
    assert (md5.status, sha.status) == (200, 200)
    assert [p.text.rsplit(": ", 1)[1] for p in posts(slack)] == ["md5 &amp; = hash", "sha"]

    unsigned = await deliver(bot, "vonage", query, form=inbound("x", "0B03", **base))
    forged = signed(inbound("x", "0B04", **base), secret="not-the-secret")
    wrong = await deliver(bot, "vonage", query, form=forged)
    tampered = {**signed(inbound("original", "0B05", **base)), "text": "changed"}
    changed = await deliver(bot, "vonage", query, form=tampered)
    old = {**base, "timestamp": str(int(time.time()) - 26 * 3600)}
    stale = await deliver(bot, "vonage", query, form=signed(inbound("x", "0B06", **old)))
    assert [a.status for a in (unsigned, wrong, changed, stale)] == [401, 401, 401, 401]
    assert len(posts(slack)) == 2
    assert await SmsStore(redis).refusals() == {"vonage:bad-signature": 3, "vonage:stale-signature": 1}


async def test_the_parts_of_a_long_message_are_posted_once_as_one(
    bot: BotUnderTest, wire: VonageWire, slack: SlackStub, redis: Redis
) -> None:
    wire.mock_update()
    query = await route_number(bot, redis, NUMBER)
    concat = {"concat": "true", "concat-ref": "7", "concat-total": "3"}
    texts = {1: "The first part, ", 2: "the second part, ", 3: "and the last one."}
    for part in (3, 1, 1, 2):  # out of order, one of them retried
        body = inbound(texts[part], f"0C0{part}", **concat, **{"concat-part": str(part)})
        assert (await deliver(bot, "vonage", query, form=body)).status == 200
    (post,) = posts(slack)
    assert post.text.endswith(": The first part, the second part, and the last one.")
    assert await redis.keys("*sms:parts*") == []


async def test_a_test_sms_goes_through_the_sms_api_with_its_price(
    bot: BotUnderTest, wire: VonageWire, redis: Redis
) -> None:
    sent = wire.mock_sms()
    ack = await bot.command(f"sms {NUMBER} +447400123456 Tschüss 👋")
    reply = bot.last(ack.key).text
    assert reply.startswith(f"✉️ Sent a test SMS from {NUMBER} to +447400123456 via vonage: 9 characters")
    assert "message id `0A00000000000001` · price 0.0333 EUR" in reply
    (request,) = [call.request for call in sent.calls]
    assert form_of(request) == {"from": "442079460123", "to": "447400123456", "text": "Tschüss 👋", "type": "unicode"}
    long_text = "x" * 200
    await bot.command(f"sms {NUMBER} +447400123456 {long_text}")
    assert form_of(sent.calls.last.request)["type"] == "text"
    (entry, second) = [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "sms"]
    assert (entry["cost"], second["cost"]) == ("0.0333 EUR", "0.0666 EUR")
    assert "Tschüss" not in str(entry)
    assert Decimal("0.0666") == Decimal(second["cost"].split()[0])


async def test_a_refused_test_sms_is_one_line_and_audited(bot: BotUnderTest, wire: VonageWire, redis: Redis) -> None:
    wire.mock_sms_refused("9", "Quota Exceeded - rejected")
    ack = await bot.command(f"sms {NUMBER} +447400123456 hi")
    assert bot.last(ack.key).text == "Vonage: could not send the SMS: Quota Exceeded - rejected (status 9)"
    (entry,) = [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "sms"]
    assert entry["outcome"] == "failed"
