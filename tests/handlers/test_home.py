"""The Home tab through signed requests: app_home_opened, clicks from the view, what Slack received.

Every view published here passed the Slack stand-in's Block Kit checks (the `slack` fixture fails
a test on any refusal), so each test is also the proof that its views are what Slack accepts.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.approval_store import ApprovalStore
from bot.blocks import ids
from bot.console.slack_stub import SlackStub
from bot.models import Money, Offer, PoolEntry, Quote, utcnow
from bot.providers.sandbox import SandboxProvider
from bot.purchases import QuoteStore
from tests.fakes import Recorder
from tests.handlers.test_approvals import APPROVALS, APPROVER, APPROVER2, REQUESTER, VIEWER, approval_bot, requested
from tests.handlers.test_commands import buy_sandbox_number
from tests.slack import ADMIN, TEAM, BotUnderTest
from tests.webhooks import SMS_CHANNEL, sms_channel


@pytest.fixture
async def team(make_bot, redis: Redis) -> tuple[BotUnderTest, Recorder]:  # type: ignore[no-untyped-def]
    sandbox = Recorder(SandboxProvider(redis))
    return await approval_bot(make_bot, redis, {"sandbox": sandbox}), sandbox


def text_of(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


async def pool_of(redis: Redis, count: int, *, start: int = 0) -> list[str]:
    """`count` numbers put straight into the pool (one round trip), none forwarded."""
    now = utcnow()
    entries = {
        f"+4420794{i:05d}": PoolEntry(
            e164=f"+4420794{i:05d}",
            provider="sandbox",
            country="GB",
            monthly=Money(amount=Decimal("1.00") + i, currency="GBP"),
            bought_by=ADMIN,
            bought_at=now,
        ).model_dump_json()
        for i in range(start, start + count)
    }
    await redis.hset(keys.pool(TEAM), mapping=entries)
    return list(entries)


async def pending_requests(redis: Redis, count: int) -> None:
    """`count` approval requests waiting, as if posted to the approvals channel."""
    now, quotes, store = utcnow(), QuoteStore(redis), ApprovalStore(redis)
    for i in range(count):
        offer = Offer(provider="sandbox", e164=f"+4470079{i:05d}", country="GB", monthly=Money.parse("2.00", "GBP"))
        quote = Quote(
            id=f"q{i:04d}",
            team_id=TEAM,
            user_id=REQUESTER,
            offer=offer,
            created_at=now,
            expires_at=now + timedelta(minutes=5),
            approval_reasons=("requesters need an approver for every purchase",),
        )
        await quotes.save(quote, 300)
        assert await store.open(quote, requester=REQUESTER, url="", channel="") == "ok"
        await store.posted(TEAM, quote.id, channel=APPROVALS, ts=f"1700000000.{i:06d}")


async def test_the_home_tab_for_an_admin_an_approver_a_viewer_and_someone_without_a_role(
    team: tuple[BotUnderTest, Recorder], slack: SlackStub, redis: Redis
) -> None:
    bot, sandbox = team
    quote_id, _ = await requested(bot, slack)
    forwarded, idle = await pool_of(redis, 2)
    await redis.hset(keys.forwards(TEAM), forwarded, "+447400123456")
    await redis.hset(keys.names(TEAM), idle, "<!channel> spare line")
    calls = sandbox.count()

    admin, approver, viewer = await bot.home(ADMIN), await bot.home(APPROVER), await bot.home(VIEWER)
    nobody, requester = await bot.home("U0NOBODY"), await bot.home(REQUESTER)

    assert sandbox.count() == calls, "the Home tab asks no provider anything"
    for view in (admin, approver, viewer, requester):
        assert view["type"] == "home"
        shown = text_of(view)
        for part in (
            "The pool: 2 numbers",
            "By provider",
            "By country",
            "GB 2",
            "Spend in",
            "No forwarding, no SMS routing: 1",
        ):
            assert part in shown, (part, shown)
        assert "&lt;!channel&gt; spare line" in shown, "names are escaped"
        assert "<!channel>" not in shown
        assert [b["value"] for b in bot.home_buttons(view, ids.HOME_INFO)] == [idle], "only the idle number"
    # Approvals: an approver and an admin may decide, with both buttons on the request.
    for view in (admin, approver):
        assert [b["value"] for b in bot.home_buttons(view, ids.HOME_APPROVE)] == [quote_id]
        assert [b["value"] for b in bot.home_buttons(view, ids.HOME_DENY)] == [quote_id]
        assert f"asked by <@{REQUESTER}>" in text_of(view)
    for view in (viewer, requester):
        assert bot.home_buttons(view, ids.HOME_APPROVE) == []
        assert "Approval requests" not in text_of(view)
    # Release, behind Slack's confirm dialog, only for admins.
    (release,) = bot.home_buttons(admin, ids.HOME_RELEASE)
    assert (release["value"], release["style"], release["confirm"]["style"]) == (idle, "danger", "danger")
    assert bot.home_buttons(approver, ids.HOME_RELEASE) == bot.home_buttons(viewer, ids.HOME_RELEASE) == []
    # Their own: the requester's request, waiting.
    assert "Asked for" in text_of(requester)
    assert "waiting for an approver" in text_of(requester)
    assert "no numberbot role" in text_of(nobody) or "no role yet" in text_of(nobody)
    assert bot.home_buttons(nobody) == []


async def test_approve_in_the_home_tab_buys_once_and_updates_the_request_message(
    team: tuple[BotUnderTest, Recorder], slack: SlackStub, redis: Redis
) -> None:
    bot, sandbox = team
    quote_id, _ = await requested(bot, slack)
    posted = slack.api_calls("chat.postMessage")[-1]
    view = await bot.home(APPROVER)
    (approve,) = bot.home_buttons(view, ids.HOME_APPROVE)

    await bot.click_home(ids.HOME_APPROVE, approve["value"], user=APPROVER)

    assert sandbox.count("buy") == 1
    updates = [c for c in slack.api_calls("chat.update") if c.data["ts"] == posted.answer["ts"]]
    assert [u.data["channel"] for u in updates] == [APPROVALS, APPROVALS], "buying…, then the outcome"
    assert "buying" in updates[0].text
    assert f"Approved by <@{APPROVER}>" in updates[-1].text
    assert "bought" in updates[-1].text
    assert ids.APPROVE not in json.dumps(updates[-1].blocks), "decided: no buttons left on it"
    assert await redis.hget(keys.approval(TEAM, quote_id), "status") == "approved"
    assert "approved your request: bought" in bot.last("requester-msg").text, "the requester is told"
    after = bot.home_view(APPROVER)
    assert bot.home_buttons(after, ids.HOME_APPROVE) == [], "decided: gone from the list"
    assert f"Approved by <@{APPROVER}>" in text_of(after), "the outcome on the clicker's Home"

    # A second approver's stale Home button decides nothing and buys nothing.
    await bot.click_home(ids.HOME_APPROVE, quote_id, user=APPROVER2)
    assert sandbox.count("buy") == 1
    assert "already approved" in text_of(bot.home_view(APPROVER2))


async def test_approvers_racing_in_the_home_tab_and_the_channel_buy_once(
    team: tuple[BotUnderTest, Recorder], slack: SlackStub
) -> None:
    bot, sandbox = team
    quote_id, _ = await requested(bot, slack)
    await asyncio.gather(
        bot.click_home(ids.HOME_APPROVE, quote_id, user=APPROVER, settle=False),
        bot.click_home(ids.HOME_APPROVE, quote_id, user=ADMIN, settle=False),
        bot.click(ids.APPROVE, quote_id, user=APPROVER2, key="in-channel", channel=APPROVALS, settle=False),
    )
    await bot.settle()
    assert sandbox.count("buy") == 1
    verdicts = [t for t in (text_of(bot.home_view(APPROVER)), text_of(bot.home_view(ADMIN))) if "already" in t]
    channel_lost = "already approved" in bot.last("in-channel").text
    assert len(verdicts) + channel_lost == 2, "one decision; the two others are told it was already made"


async def test_deny_in_the_home_tab_asks_the_reason_and_updates_the_request_message(
    team: tuple[BotUnderTest, Recorder], slack: SlackStub, redis: Redis
) -> None:
    bot, sandbox = team
    quote_id, _ = await requested(bot, slack)
    posted = slack.api_calls("chat.postMessage")[-1]
    (deny,) = bot.home_buttons(await bot.home(APPROVER), ids.HOME_DENY)

    trigger = await bot.click_home(ids.HOME_DENY, deny["value"], user=APPROVER)
    opened = slack.api_calls("views.open")[-1]
    assert opened.data["trigger_id"] == trigger
    form = opened.data["view"]
    assert form["callback_id"] == ids.DENY_MODAL
    await bot.submit(
        form, {ids.REASON: {ids.REASON: {"type": "plain_text_input", "value": "not this month"}}}, user=APPROVER
    )

    assert sandbox.count("buy") == 0
    assert await redis.hget(keys.approval(TEAM, quote_id), "status") == "denied"
    (update,) = [c for c in slack.api_calls("chat.update") if c.data["ts"] == posted.answer["ts"]]
    assert f"Denied by <@{APPROVER}>" in update.text
    assert "not this month" in update.text
    assert bot.home_buttons(bot.home_view(APPROVER), ids.HOME_DENY) == [], "published again without it"


async def test_release_in_the_home_tab_releases_once_and_the_pool_shrinks(
    bot: BotUnderTest, sandbox: Recorder, redis: Redis
) -> None:
    number = await buy_sandbox_number(bot)
    (release,) = bot.home_buttons(await bot.home(), ids.HOME_RELEASE)
    assert release["value"] == number

    await bot.click_home(ids.HOME_RELEASE, number)
    await bot.click_home(ids.HOME_RELEASE, number)  # a second click: nothing left to release

    assert sandbox.count("release") == 1
    assert await redis.hget(keys.pool(TEAM), number) is None
    assert any(f"Released {number}" in text_of(v) for v in bot.home_views()), "the outcome on the clicker's Home"
    after = text_of(bot.home_view())
    assert "The pool: 0 numbers" in after
    assert "not in the pool" in after, "the second click is told why nothing happened"


async def test_info_in_the_home_tab_opens_a_modal_then_fills_it_in(bot: BotUnderTest, slack: SlackStub) -> None:
    number = await buy_sandbox_number(bot)
    (info,) = bot.home_buttons(await bot.home(), ids.HOME_INFO)
    trigger = await bot.click_home(ids.HOME_INFO, info["value"])
    (opened,) = slack.api_calls("views.open")
    assert opened.data["trigger_id"] == trigger
    assert "Loading" in json.dumps(opened.data["view"])
    (filled,) = slack.api_calls("views.update")
    assert filled.data["view_id"] == opened.answer["view"]["id"]
    shown = json.dumps(filled.data["view"])
    assert number in shown
    assert "Provider" in shown
    assert "Forwarding" in shown


async def test_a_home_button_beyond_the_clickers_role_is_refused_on_their_home(
    team: tuple[BotUnderTest, Recorder], redis: Redis
) -> None:
    bot, sandbox = team
    (number,) = await pool_of(redis, 1)
    await bot.home(VIEWER)
    await bot.click_home(ids.HOME_RELEASE, number, user=VIEWER)  # not on a viewer's Home: forged
    await bot.click_home(ids.HOME_APPROVE, "q0001", user=VIEWER)
    assert sandbox.count() == 0
    assert await redis.hget(keys.pool(TEAM), number) is not None
    assert "needs the approver role; yours is viewer" in text_of(bot.home_view(VIEWER))


async def test_a_number_whose_sms_go_to_a_channel_is_not_idle(
    team: tuple[BotUnderTest, Recorder], slack: SlackStub, redis: Redis
) -> None:
    bot, _ = team
    routed, idle = await pool_of(redis, 2)
    sms_channel(slack, ADMIN)
    await bot.command(f"sms-to {routed} <#{SMS_CHANNEL}|sms>")
    assert await redis.hget(keys.sms_routes(TEAM), routed) is not None

    view = await bot.home(ADMIN)

    assert "No forwarding, no SMS routing: 1" in text_of(view)
    assert [b["value"] for b in bot.home_buttons(view, ids.HOME_INFO)] == [idle]


async def test_a_purchase_publishes_the_home_of_whoever_looks_at_it_again(
    team: tuple[BotUnderTest, Recorder], slack: SlackStub
) -> None:
    bot, _ = team
    assert "The pool: 0 numbers" in text_of(await bot.home(VIEWER))
    before = len(bot.home_views(VIEWER))
    number = await buy_sandbox_number(bot)
    assert len(bot.home_views(VIEWER)) > before, "the viewer's Home was published again"
    assert "The pool: 1 number" in text_of(bot.home_view(VIEWER))
    assert "No forwarding, no SMS routing: 1" in text_of(bot.home_view(VIEWER))
    assert f"Bought `{number}`" not in text_of(bot.home_view(VIEWER)), "the admin's purchases are the admin's"
    # Whoever never opened the Home tab gets nothing published.
    assert bot.home_views(APPROVER2) == []


async def test_the_messages_tab_publishes_nothing(bot: BotUnderTest, slack: SlackStub) -> None:
    from bot.console import payloads

    await bot.post(payloads.app_home_opened(team_id=TEAM, user_id=ADMIN, event_id="Ev0", tab="messages"))
    await bot.settle()
    assert slack.api_calls("views.publish") == []


async def test_long_sections_are_summarised_within_100_blocks_and_shown_in_full_on_request(
    team: tuple[BotUnderTest, Recorder], slack: SlackStub, redis: Redis
) -> None:
    bot, _ = team
    await pool_of(redis, 130)
    await pending_requests(redis, 60)
    view = await bot.home(ADMIN)
    assert len(view["blocks"]) <= 100
    assert len(bot.home_buttons(view, ids.HOME_RELEASE)) == 5
    assert len(bot.home_buttons(view, ids.HOME_APPROVE)) == 3
    shows = {b["value"]: b["text"]["text"] for b in bot.home_buttons(view, ids.HOME_SHOW)}
    assert shows == {"approvals": "Show all 60 requests", "idle": "Show all 130 numbers"}
    # The most expensive idle numbers first.
    assert bot.home_buttons(view, ids.HOME_RELEASE)[0]["value"] == "+442079400129"

    await bot.click_home(ids.HOME_SHOW, "idle")
    full = bot.home_view(ADMIN)
    assert len(full["blocks"]) <= 100
    shown = len(bot.home_buttons(full, ids.HOME_RELEASE))
    assert 30 < shown < 130
    assert f"{130 - shown} more numbers do not fit" in text_of(full)
    assert [b["value"] for b in bot.home_buttons(full, ids.HOME_SHOW)] == ["approvals", ""]

    await bot.click_home(ids.HOME_SHOW, "approvals")
    requests = bot.home_view(ADMIN)
    assert len(requests["blocks"]) <= 100
    assert len(bot.home_buttons(requests, ids.HOME_APPROVE)) > 20
    assert len(bot.home_buttons(requests, ids.HOME_RELEASE)) == 5, "the other section is summarised again"

    await bot.click_home(ids.HOME_SHOW, "")
    assert len(bot.home_buttons(bot.home_view(ADMIN), ids.HOME_APPROVE)) == 3


async def test_a_forged_number_in_a_home_button_is_refused_and_never_echoed(
    bot: BotUnderTest, sandbox: Recorder, slack: SlackStub
) -> None:
    await bot.home()
    calls = sandbox.count()
    await bot.click_home(ids.HOME_RELEASE, "<!channel>")
    shown = text_of(bot.home_view())
    assert "This button is not valid" in shown
    assert "<!channel>" not in shown
    await bot.click_home(ids.HOME_INFO, "<!here> +1")
    (filled,) = slack.api_calls("views.update")
    assert "This button is not valid" in json.dumps(filled.data["view"])
    assert "<!here>" not in json.dumps(filled.data["view"]["blocks"])
    assert sandbox.count() == calls
