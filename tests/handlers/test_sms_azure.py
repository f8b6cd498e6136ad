"""Azure SMS end to end: routing changes nothing at Azure (the deployment subscribes Event Grid to
the URL the bot shows), the subscription validation handshake, SMSReceived events in the Event
Grid schema (as Azure's "Telephony and SMS events" reference shows them), and no sending."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import respx
from redis.asyncio import Redis

from bot.console.slack_stub import SlackStub
from bot.providers.azure import AzureProvider
from bot.sms_store import SmsStore
from tests.conftest import BotFactory
from tests.handlers.conftest import routed
from tests.providers.azure_wire import BASE_URL, CONNECTION_STRING, assert_signed
from tests.slack import TEAM, BotUnderTest
from tests.webhooks import PUBLIC_URL, SMS_CHANNEL, deliver, posts, query_for, route_of, sms_bot

NUMBER = "+14255550123"
TOPIC = "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}"  # noqa: E501


def received(
    text: str, message_id: str = "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e"
) -> dict[str, Any]:
    """One SMSReceived event, as the reference's example writes it (PascalCase data)."""
    return {
        "id": message_id,
        "topic": TOPIC,
        "subject": f"/phonenumber/{NUMBER.removeprefix('+')}",
        "data": {
            "MessageId": message_id,
            "From": "15555555555",
            "To": NUMBER.removeprefix("+"),
            "Message": text,
            "ReceivedTimestamp": "2020-09-18T00:27:45.32Z",
        },
        "eventType": "Microsoft.Communication.SMSReceived",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": "2020-09-18T00:27:47Z",
    }


def validation(code: str = "512d38b6-c7b8-40c8-89fe-f46f9e9622b6") -> list[dict[str, Any]]:
    """Event Grid's subscription validation event (the synchronous handshake)."""
    return [
        {
            "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
            "topic": TOPIC,
            "subject": "",
            "data": {
                "validationCode": code,
                "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/x/validate?id=y&t=z",
            },
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "eventTime": "2018-01-25T22:12:19.4556811Z",
            "metadataVersion": "1",
            "dataVersion": "1",
        }
    ]


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    yield from routed(BASE_URL, assert_signed)


@pytest.fixture
async def bot(make_bot: BotFactory, redis: Redis, slack: SlackStub, router: respx.MockRouter) -> BotUnderTest:
    connection = {"azure_communication_connection_string": CONNECTION_STRING}
    return await sms_bot(make_bot, redis, slack, "azure", AzureProvider, NUMBER, **connection)


@pytest.fixture
async def query(bot: BotUnderTest, redis: Redis, router: respx.MockRouter) -> dict[str, str]:
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    reply = bot.last(ack.key)
    route = await route_of(redis, NUMBER)
    url = f"{PUBLIC_URL}/webhooks/azure/sms?team={TEAM}&number={NUMBER.removeprefix('+')}&token={route.token}"  # type: ignore[union-attr]
    shown = url.replace("&", "&amp;")  # Slack shows &amp; in a code block as &
    assert f"```{shown}```" in str(reply.blocks), "the URL to subscribe, shown to the buyer alone"
    assert "subject filter ending with /phonenumber/14255550123" in reply.text
    assert "SMS Received" in reply.text
    assert router.calls.call_count == 0, "nothing is asked of Azure: the deployment subscribes Event Grid"
    return query_for(route, NUMBER)


async def test_the_validation_handshake_is_answered_only_on_the_numbers_own_url(
    bot: BotUnderTest, redis: Redis, query: dict[str, str]
) -> None:
    answer = await deliver(
        bot, "azure", query, json_body=validation(), headers={"aeg-event-type": "SubscriptionValidation"}
    )
    assert (answer.status, answer.body) == (200, {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"})
    forged = await deliver(bot, "azure", {**query, "token": "x"}, json_body=validation())
    assert forged.status == 403
    assert "validationResponse" not in forged.body
    assert await SmsStore(redis).refusals() == {"azure:bad-token": 1}


async def test_sms_received_events_are_posted_once_in_order(
    bot: BotUnderTest, slack: SlackStub, query: dict[str, str]
) -> None:
    camel = received("second", "Incoming_2")
    camel["data"] = {k[0].lower() + k[1:]: v for k, v in camel["data"].items()}  # Azure's other spelling
    delivery_report = {**received("x", "Outgoing_3"), "eventType": "Microsoft.Communication.SMSDeliveryReportReceived"}
    batch = [received("first", "Incoming_1"), camel, delivery_report]
    assert (await deliver(bot, "azure", query, json_body=batch)).status == 200
    assert (await deliver(bot, "azure", query, json_body=[received("first", "Incoming_1")])).status == 200
    assert [p.text for p in posts(slack)] == [
        f"SMS to {NUMBER} from +15555555555: first",
        f"SMS to {NUMBER} from +15555555555: second",
    ]
    assert "received 2020-09-18 00:27:45 UTC" in str(posts(slack)[0].blocks)


async def test_an_event_for_another_number_is_refused(
    bot: BotUnderTest, slack: SlackStub, query: dict[str, str]
) -> None:
    other = received("not yours")
    other["data"]["To"] = "14255550999"
    assert (await deliver(bot, "azure", query, json_body=[other])).status == 403
    assert posts(slack) == []


async def test_azure_numbers_do_not_send_sms_and_say_so(bot: BotUnderTest, router: respx.MockRouter) -> None:
    ack = await bot.command(f"sms {NUMBER} +14155550123 hello")
    assert bot.last(ack.key).text == "Azure: the bot receives Azure SMS through Event Grid but does not send them"
    assert router.calls.call_count == 0


def cloud_event(text: str, message_id: str) -> dict[str, Any]:
    """The same event in the CloudEvents v1.0 schema (a subscription's other delivery schema)."""
    event = received(text, message_id)
    return {
        "id": event["id"],
        "source": TOPIC,
        "subject": event["subject"],
        "data": event["data"],
        "type": event["eventType"],
        "time": event["eventTime"],
        "specversion": "1.0",
    }


async def test_the_cloudevents_handshake_is_answered_only_on_the_numbers_own_url(
    bot: BotUnderTest, redis: Redis, query: dict[str, str]
) -> None:
    """CloudEvents' abuse protection: OPTIONS with WebHook-Request-Origin, answered in headers."""
    origin = {"WebHook-Request-Origin": "eventgrid.azure.net", "WebHook-Request-Rate": "120"}
    answer = await bot.client.options("/webhooks/azure/sms", params=query, headers=origin)
    assert answer.status == 200
    assert answer.headers.get("WebHook-Allowed-Origin") == "eventgrid.azure.net"
    forged = await bot.client.options("/webhooks/azure/sms", params={**query, "token": "x"}, headers=origin)
    assert forged.status == 403
    assert "WebHook-Allowed-Origin" not in forged.headers
    bare = await bot.client.options("/webhooks/azure/sms", params=query)
    assert bare.status == 400
    assert "WebHook-Allowed-Origin" not in bare.headers
    assert await SmsStore(redis).refusals() == {"azure:bad-token": 1, "azure:malformed": 1}


async def test_cloudevents_deliveries_are_posted_once_in_order(
    bot: BotUnderTest, slack: SlackStub, query: dict[str, str]
) -> None:
    one = {"content-type": "application/cloudevents+json; charset=utf-8"}
    batch = {"content-type": "application/cloudevents-batch+json; charset=utf-8"}
    assert (await deliver(bot, "azure", query, json_body=cloud_event("first", "Incoming_1"), headers=one)).status == 200
    both = [cloud_event("first", "Incoming_1"), cloud_event("second", "Incoming_2")]
    assert (await deliver(bot, "azure", query, json_body=both, headers=batch)).status == 200
    assert [p.text for p in posts(slack)] == [
        f"SMS to {NUMBER} from +15555555555: first",
        f"SMS to {NUMBER} from +15555555555: second",
    ]
