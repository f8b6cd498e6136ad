"""Every subcommand through a signed slash command into the real app."""

from __future__ import annotations

import json

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.console.slack_stub import SlackStub
from bot.pool import PoolStore
from tests.fakes import Recorder
from tests.slack import ADMIN, TEAM, BotUnderTest

VIEWER = "U0VIEWER"
BUYER = "U0BUYER"
STRANGER = "U0NOBODY"


async def grant(bot: BotUnderTest, user: str, role: str) -> None:
    ack = await bot.command(f"grant <@{user}|someone> {role}")
    assert f"is now a {role}" in ack.text


async def buy_sandbox_number(bot: BotUnderTest, country: str = "GB", user: str = ADMIN) -> str:
    """Search, Buy the first result, Confirm; returns the number bought."""
    ack = await bot.command(f"search {country} --limit 3", user=user)
    results = bot.last(ack.key)
    buy = bot.buttons(results, ids.BUY)[0]
    await bot.click(ids.BUY, buy["value"], user=user, key="results")
    confirmation = bot.last("results")
    confirm = bot.buttons(confirmation, ids.CONFIRM)[0]
    await bot.click(ids.CONFIRM, confirm["value"], user=user, key="confirmation")
    outcome = bot.last("confirmation")
    assert "bought" in outcome.text, outcome.text
    return outcome.text.split()[2]


# -- help and access -------------------------------------------------------------------


async def test_help_for_someone_without_a_role_says_how_to_get_access(bot: BotUnderTest, sandbox: Recorder) -> None:
    ack = await bot.command("help", user=STRANGER)
    assert ack.status == 200
    assert "no role yet" in ack.text
    assert f"<@{ADMIN}>" in ack.text
    assert "/number search" not in ack.text
    assert sandbox.count() == 0


async def test_help_lists_only_what_the_role_may_use(bot: BotUnderTest) -> None:
    await grant(bot, VIEWER, "viewer")
    ack = await bot.command("help", user=VIEWER)
    assert "/number search" in ack.text
    assert "/number grant" not in ack.text
    assert "/number release" not in ack.text


@pytest.mark.parametrize(
    "text",
    [
        "search GB",
        "list",
        "info +442079460123",
        "budget",
        "forward +442079460123 +447400123456",
        "release +442079460123",
    ],
)
async def test_no_role_means_denial_and_no_provider_call(bot: BotUnderTest, sandbox: Recorder, text: str) -> None:
    ack = await bot.command(text, user=STRANGER)
    assert ack.status == 200
    assert "no numberbot role" in ack.text
    assert bot.replies(ack.key) == []
    assert sandbox.count() == 0


async def test_viewer_cannot_forward_and_no_provider_is_called(bot: BotUnderTest, sandbox: Recorder) -> None:
    await grant(bot, VIEWER, "viewer")
    ack = await bot.command("forward +442079460123 +447400123456", user=VIEWER)
    assert "needs the buyer role; yours is viewer" in ack.text
    assert sandbox.count() == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("search XX", "not an ISO 3166 country code"),
        ("search UK", "use GB"),
        ("search GB 20a", "must be 1-12 digits"),
        ("search GB --limit 99", "--limit must be 1-20"),
        ("search GB --type landline", "Unknown type"),
        ("search GB --provider nope", "Unknown or disabled provider"),
        ("info 12", "not a phone number"),
        ("forward +442079460123 +447700900123", "not a valid destination"),
        ("frobnicate", "Unknown subcommand"),
        ("audit 500", "N must be 1-50"),
        ("grant bob admin", "not a Slack user mention"),
        ("budget lots", "not an amount"),
    ],
)
async def test_bad_input_gets_the_usage_line_and_no_provider_call(
    bot: BotUnderTest, sandbox: Recorder, text: str, expected: str
) -> None:
    ack = await bot.command(text)
    assert ack.status == 200
    assert expected in ack.text
    assert "Usage: /number" in ack.text or "Try /number help" in ack.text
    assert sandbox.count() == 0


# -- search --------------------------------------------------------------------------


async def test_search_acks_then_posts_results_with_buy_buttons(bot: BotUnderTest, sandbox: Recorder) -> None:
    ack = await bot.command("search GB 20 --type local --limit 5")
    assert ack.status == 200
    assert "Searching GB" in ack.text
    results = bot.last(ack.key)
    assert results.data["replace_original"] is True
    buys = bot.buttons(results, ids.BUY)
    assert len(buys) == 5
    assert all(":" in b["value"] and "+" not in b["value"] for b in buys), "buttons carry ids, not numbers"
    sections = [b["text"]["text"] for b in results.blocks if b["type"] == "section"]
    assert all("+4420" in s and "sandbox" in s and "/month" in s and "setup" in s for s in sections)
    assert sandbox.count("search") == 1


async def test_search_results_are_sorted_by_monthly_cost(bot: BotUnderTest) -> None:
    ack = await bot.command("search US --limit 20")
    text = bot.last(ack.key).text
    prices = [float(line.split(") ")[1].split(" ")[0]) for line in text.splitlines()[1:] if "/month" in line]
    assert len(prices) == 20
    assert prices == sorted(prices)


# -- the pool ------------------------------------------------------------------------


async def test_list_info_name_forward_of_a_bought_number(bot: BotUnderTest, sandbox: Recorder) -> None:
    number = await buy_sandbox_number(bot)
    ack = await bot.command(f"name {number} Support line")
    assert "Support line" in bot.last(ack.key).text

    ack = await bot.command(f"forward {number} +447400123456")
    assert "now forward to +447400123456" in bot.last(ack.key).text
    assert ("forward", (number, "+447400123456")) in sandbox.calls

    ack = await bot.command("list")
    listing = bot.last(ack.key)
    assert number in listing.text
    row = next(b["text"]["text"] for b in listing.blocks if b["type"] == "section" and number in b["text"]["text"])
    assert "Support line" in row
    assert "forwards to +447400123456" in row
    assert f"<@{ADMIN}>" in row

    ack = await bot.command(f"info {number}")
    info = bot.last(ack.key)
    fields = json.dumps(info.blocks)
    assert "Support line" in fields
    assert "+447400123456" in fields
    assert "sandbox" in fields


async def test_list_flags_a_number_the_provider_no_longer_has(bot: BotUnderTest, redis: Redis) -> None:
    number = await buy_sandbox_number(bot)
    await redis.hdel(keys.sandbox_owned(), number)  # gone at the provider behind the bot's back
    ack = await bot.command("list")
    assert "no longer on the sandbox account" in json.dumps(bot.last(ack.key).blocks)


async def test_forward_of_a_number_not_in_the_pool_is_refused_without_provider_call(
    bot: BotUnderTest, sandbox: Recorder
) -> None:
    ack = await bot.command("forward +442079460123 +447400123456")
    assert "not in the pool" in bot.last(ack.key).text
    assert sandbox.count("forward") == 0


class NoCheckpoints:
    """A purchase made outside the bot keeps no journal."""

    state: dict[str, str] = {}  # noqa: RUF012 - read-only here

    async def save(self, **values: str) -> None:
        raise AssertionError("the sandbox keeps no checkpoints")


async def test_adopt_brings_an_owned_number_into_the_pool(bot: BotUnderTest, sandbox: Recorder) -> None:
    from bot.models import NumberType, SearchQuery
    from bot.providers.base import Order

    # The account owns a number the bot never bought: buy it at the (sandbox) provider directly.
    (offer,) = await sandbox.search(SearchQuery(country="NL", type=NumberType.mobile, limit=1))
    await sandbox.buy(Order(op_id="outside-the-bot", offer=offer), NoCheckpoints())
    ack = await bot.command(f"adopt {offer.e164} --provider sandbox")
    assert "Adopted" in bot.last(ack.key).text
    ack = await bot.command(f"adopt {offer.e164} --provider sandbox")
    assert "already in the pool" in bot.last(ack.key).text
    ack = await bot.command("adopt +31612345678 --provider sandbox")
    assert "does not have" in bot.last(ack.key).text


# -- admin ---------------------------------------------------------------------------


async def test_grant_roles_revoke(bot: BotUnderTest) -> None:
    await grant(bot, BUYER, "buyer")
    ack = await bot.command("roles")
    assert f"<@{BUYER}> · buyer" in ack.text
    assert f"<@{ADMIN}> · admin (BOT_ADMINS)" in ack.text
    ack = await bot.command(f"revoke {BUYER}")
    assert "no longer has a role (was buyer)" in ack.text
    ack = await bot.command("list", user=BUYER)
    assert "no numberbot role" in ack.text


async def test_bootstrap_admin_cannot_be_revoked_in_slack(bot: BotUnderTest) -> None:
    ack = await bot.command(f"revoke <@{ADMIN}>")
    assert "BOT_ADMINS" in ack.text


async def test_non_admin_cannot_grant(bot: BotUnderTest) -> None:
    await grant(bot, BUYER, "buyer")
    ack = await bot.command(f"grant <@{BUYER}> admin", user=BUYER)
    assert "needs the admin role" in ack.text


async def test_budget_read_and_set(bot: BotUnderTest) -> None:
    await grant(bot, VIEWER, "viewer")
    ack = await bot.command("budget 500 --auto-approve 20")
    assert "500.00 USD" in ack.body
    assert "20.00 USD" in ack.body
    ack = await bot.command("budget", user=VIEWER)
    assert "500.00 USD" in ack.body
    ack = await bot.command("budget 1000", user=VIEWER)
    assert "needs the admin role" in ack.text
    ack = await bot.command("budget off")
    assert "not set (no limit)" in ack.body


async def test_audit_shows_changes_newest_first(bot: BotUnderTest) -> None:
    await grant(bot, VIEWER, "viewer")
    number = await buy_sandbox_number(bot)
    await bot.command(f"name {number} Desk")
    ack = await bot.command("audit 5")
    text = ack.text
    assert text.index("name") < text.index("buy") < text.index("grant")
    assert "bought" in text
    assert number in text


# -- the search modal ----------------------------------------------------------------


async def test_bare_command_opens_the_search_modal_and_its_results_arrive(bot: BotUnderTest, slack: SlackStub) -> None:
    ack = await bot.command("")
    assert ack.status == 200
    (opened,) = slack.api_calls("views.open")
    view = opened.data["view"]
    assert view["callback_id"] == ids.SEARCH_MODAL
    assert opened.data["trigger_id"].startswith("trigger.")

    bad = await bot.submit(view, {ids.COUNTRY: {ids.COUNTRY: {"type": "plain_text_input", "value": "ZZ"}}})
    assert bad.json["response_action"] == "errors"
    assert slack.api_calls("chat.postEphemeral") == []

    values = {
        ids.COUNTRY: {ids.COUNTRY: {"type": "plain_text_input", "value": "fr"}},
        ids.TYPE: {ids.TYPE: {"type": "static_select", "selected_option": {"value": "mobile"}}},
    }
    good = await bot.submit(view, values)
    assert good.status == 200
    assert good.body == ""
    (posted,) = slack.api_calls("chat.postEphemeral")
    assert posted.data["channel"] == "C0TEST"
    assert posted.data["user"] == ADMIN
    assert "+336" in posted.text or "+337" in posted.text
    assert bot.buttons(posted, ids.BUY)


async def test_viewer_role_is_rechecked_when_the_modal_is_submitted(bot: BotUnderTest, slack: SlackStub) -> None:
    await bot.command("")
    view = slack.api_calls("views.open")[0].data["view"]
    values = {ids.COUNTRY: {ids.COUNTRY: {"type": "plain_text_input", "value": "GB"}}}
    ack = await bot.submit(view, values, user=STRANGER)
    assert ack.json["response_action"] == "errors"
    assert "no numberbot role" in json.dumps(ack.json)


async def test_listing_costs_the_same_redis_round_trips_however_large_the_pool(
    bot: BotUnderTest, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis.asyncio.client import Pipeline
    from redis.asyncio.client import Redis as AsyncRedis

    from bot.models import PoolEntry, utcnow

    trips = {"n": 0}
    single, batch = AsyncRedis.execute_command, Pipeline.execute

    async def counted_single(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        trips["n"] += 1
        return await single(self, *args, **kwargs)

    async def counted_batch(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        trips["n"] += 1
        return await batch(self, *args, **kwargs)

    monkeypatch.setattr(AsyncRedis, "execute_command", counted_single)
    monkeypatch.setattr(Pipeline, "execute", counted_batch)

    async def trips_for_list(size: int) -> int:
        await redis.delete(keys.pool(TEAM))
        for i in range(size):
            entry = PoolEntry(e164=f"+4420794601{i:02d}", provider="sandbox", bought_by=ADMIN, bought_at=utcnow())
            await PoolStore(redis).adopt(TEAM, entry)
        await bot.command("list")  # the account's snapshot is taken once; pages and repeats read it
        before = trips["n"]
        await bot.command("list")
        return trips["n"] - before

    small, large = await trips_for_list(3), await trips_for_list(60)
    assert small == large
    # role check, the pool's order, the page's names/forwards/releases, the page's numbers in the snapshot
    assert small == 4


async def test_search_form_results_go_to_a_dm_when_the_bot_cannot_post_in_the_channel(
    bot: BotUnderTest, slack: SlackStub
) -> None:
    await bot.command("")
    view = slack.api_calls("views.open")[0].data["view"]
    slack.failures["chat.postEphemeral"] = "channel_not_found"
    await bot.submit(view, {ids.COUNTRY: {ids.COUNTRY: {"type": "plain_text_input", "value": "GB"}}})
    (dm,) = slack.api_calls("chat.postMessage")
    assert dm.data["channel"] == ADMIN
    assert bot.buttons(dm, ids.BUY)
