"""`/number sms-to`: a buyer who is in the channel routes a number's SMS there; `off` stops them.

Signed slash commands into the real app, the sandbox provider (recorded), the Slack stand-in
answering conversations.info / conversations.members like Slack.
"""

from __future__ import annotations

from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.console.slack_stub import SlackStub
from bot.sms_store import SmsStore
from tests.fakes import Recorder
from tests.handlers.conftest import pooled
from tests.handlers.test_commands import buy_sandbox_number
from tests.slack import ADMIN, TEAM, BotUnderTest
from tests.webhooks import (
    SMS_CHANNEL,
    deliver,
    posts,
    query_for,
    route_of,
    sandbox_sms,
    sms_channel,
)

NUMBER = "+442079460123"


async def audited(redis: Redis, action: str = "sms-to") -> list[dict[str, str]]:
    return [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == action]


async def test_a_member_routes_the_numbers_sms_into_the_channel(
    bot: BotUnderTest, slack: SlackStub, sandbox: Recorder, redis: Redis
) -> None:
    sms_channel(slack, "U0SOMEONE", ADMIN)
    await pooled(redis, NUMBER)
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    reply = bot.last(ack.key).text
    assert f"SMS to {NUMBER} (sandbox (simulated)) now go to <#{SMS_CHANNEL}>: with their text." in reply
    route = await route_of(redis, NUMBER)
    assert route is not None
    assert (route.channel, route.private, route.provider, route.by) == (SMS_CHANNEL, False, "sandbox", ADMIN)
    assert len(route.token) >= 32, "a random token of 24 bytes"
    assert sandbox.count("route_sms") == 1
    ((entry,),) = [await audited(redis)]
    assert (entry["actor"], entry["number"], entry["outcome"], entry["detail"]) == (
        ADMIN,
        NUMBER,
        "ok",
        f"to channel {SMS_CHANNEL}",
    )
    info = bot.last((await bot.command(f"info {NUMBER}")).key)
    assert f"📨 SMS to <#{SMS_CHANNEL}>" in str(info.blocks)
    listing = bot.last((await bot.command("list")).key)
    assert f"📨 SMS to <#{SMS_CHANNEL}>" in str(listing.blocks)


async def test_a_private_routing_is_shown_as_private_and_rerouting_keeps_the_token(
    bot: BotUnderTest, slack: SlackStub, redis: Redis
) -> None:
    sms_channel(slack)
    sms_channel(slack, ADMIN, channel="C0OTHER")
    await pooled(redis, NUMBER)
    await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    first = await route_of(redis, NUMBER)
    ack = await bot.command(f"sms-to {NUMBER} <#C0OTHER|other> --private")
    assert "only the sender and time, with *View message*" in str(bot.last(ack.key).blocks)
    assert "for 10 min" in bot.last(ack.key).text
    second = await route_of(redis, NUMBER)
    assert first is not None
    assert second is not None
    assert (second.channel, second.private) == ("C0OTHER", True)
    assert second.token == first.token, "a URL configured by hand (Event Grid) keeps working"
    info = bot.last((await bot.command(f"info {NUMBER}")).key)
    assert "📨 SMS to <#C0OTHER> (private: sender and time only)" in str(info.blocks)


async def test_a_channel_the_caller_is_not_in_is_refused_and_nothing_changes(
    bot: BotUnderTest, slack: SlackStub, sandbox: Recorder, redis: Redis
) -> None:
    sms_channel(slack, "U0SOMEONE", "U0ELSE")
    await pooled(redis, NUMBER)
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    assert bot.last(ack.key).text == f"Only a member of <#{SMS_CHANNEL}> can send a number's SMS there; join it first."
    assert await route_of(redis, NUMBER) is None
    assert sandbox.count("route_sms") == 0
    assert await audited(redis) == []


async def test_membership_is_read_page_by_page(bot: BotUnderTest, slack: SlackStub, redis: Redis) -> None:
    members = [f"U0M{i:05d}" for i in range(450)] + [ADMIN]
    sms_channel(slack, *members)
    await pooled(redis, NUMBER)
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    assert "now go to" in bot.last(ack.key).text
    pages = slack.api_calls("conversations.members")
    assert [int(p.data["limit"]) for p in pages] == [200, 200, 200]
    assert "cursor" not in pages[0].data
    assert all(p.data.get("cursor") for p in pages[1:])


async def test_a_channel_the_bot_cannot_see_or_an_archived_one_is_refused(
    bot: BotUnderTest, slack: SlackStub, redis: Redis
) -> None:
    await pooled(redis, NUMBER)
    sms_channel(slack, ADMIN, channel="G0SECRET", private=True, bot_member=False)
    sms_channel(slack, ADMIN, channel="C0OLD", archived=True)
    unseen = bot.last((await bot.command(f"sms-to {NUMBER} <#G0SECRET|secret>")).key).text
    assert unseen.startswith("The bot cannot see <#G0SECRET>; for a private channel, invite the bot first")
    unknown = bot.last((await bot.command(f"sms-to {NUMBER} C0NOWHERE")).key).text
    assert unknown.startswith("The bot cannot see <#C0NOWHERE>")
    archived = bot.last((await bot.command(f"sms-to {NUMBER} <#C0OLD|old>")).key).text
    assert archived == "<#C0OLD> is archived; pick another channel."
    assert await route_of(redis, NUMBER) is None


async def test_off_stops_the_posts_and_drops_what_waits(bot: BotUnderTest, slack: SlackStub, redis: Redis) -> None:
    sms_channel(slack)
    await pooled(redis, NUMBER)
    await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    route = await route_of(redis, NUMBER)
    slack.rate_limit("chat.postMessage", 30)  # Slack keeps the message waiting in Redis
    answer = await deliver(bot, "sandbox", query_for(route, NUMBER), json_body=sandbox_sms(NUMBER, "a secret text"))
    assert answer.status == 200
    assert await redis.llen(keys.sms_queue(TEAM, NUMBER)) == 1
    slack.rate_limit("chat.postMessage", None)
    ack = await bot.command(f"sms-to {NUMBER} off")
    assert bot.last(ack.key).text.startswith(f"📭 SMS to {NUMBER} are no longer posted to <#{SMS_CHANNEL}>")
    assert await route_of(redis, NUMBER) is None
    assert await redis.exists(keys.sms_queue(TEAM, NUMBER)) == 0
    assert [k for k in await redis.keys("*sms:body*")] == [], "the waiting text is gone too"
    await bot.services.sms_delivery.run_once()
    assert posts(slack) == [], "nothing waits to be posted"
    late = await deliver(bot, "sandbox", query_for(route, NUMBER), json_body=sandbox_sms(NUMBER, "x", message_id="m2"))
    assert late.status == 404
    assert (await audited(redis))[-1]["detail"] == "off"
    again = await bot.command(f"sms-to {NUMBER} off")
    assert bot.last(again.key).text == f"SMS to {NUMBER} were not sent anywhere; nothing changed."


async def test_bad_input_gets_the_usage_line_and_no_role_gets_nothing(
    bot: BotUnderTest, slack: SlackStub, sandbox: Recorder, redis: Redis
) -> None:
    await pooled(redis, NUMBER)
    general = await bot.command(f"sms-to {NUMBER} #general")
    assert "'#general' is not a channel: pick it with # so Slack links it" in general.text
    assert "Usage: /number sms-to &lt;NUMBER&gt; &lt;#channel|off&gt; [--private]" in general.text
    missing = await bot.command(f"sms-to {NUMBER}")
    assert missing.text.startswith("Give a number and a channel (or off). Usage:")
    private_off = await bot.command(f"sms-to {NUMBER} off --private")
    assert private_off.text.startswith("--private goes with a channel.")
    viewer = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>", user="U0NOBODY")
    assert "no numberbot role yet" in viewer.text
    assert slack.api_calls("conversations.info") == []
    assert sandbox.count() == 0


async def test_a_number_outside_the_pool_is_refused(bot: BotUnderTest, slack: SlackStub) -> None:
    sms_channel(slack)
    ack = await bot.command(f"sms-to {NUMBER} <#{SMS_CHANNEL}|sms>")
    assert bot.last(ack.key).text.startswith(f"{NUMBER} is not in the pool.")
    assert slack.api_calls("conversations.info") == []


async def test_releasing_the_number_removes_its_route_and_stops_its_posts(
    bot: BotUnderTest, slack: SlackStub, redis: Redis
) -> None:
    sms_channel(slack)
    number = await buy_sandbox_number(bot)
    await bot.command(f"sms-to {number} <#{SMS_CHANNEL}|sms>")
    route = await route_of(redis, number)
    slack.rate_limit("chat.postMessage", 30)
    await deliver(bot, "sandbox", query_for(route, number), json_body=sandbox_sms(number, "waiting"))
    slack.rate_limit("chat.postMessage", None)
    await bot.services.sms_delivery.run_once()  # not due yet: nothing
    prompt = (await bot.command(f"release {number}")).json
    release = next(e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"])
    await bot.click(ids.RELEASE, release["value"], key="release")
    assert "Released" in bot.last("release").text
    assert await route_of(redis, number) is None
    bot.services.sms_delivery.clock = lambda: 10**10  # long after Slack asked to wait
    await bot.services.sms_delivery.run_once()
    assert posts(slack) == []
    assert await SmsStore(redis).pending(TEAM) == set()
