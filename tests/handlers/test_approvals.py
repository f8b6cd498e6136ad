"""Approvals through signed requests: request, approve, deny, expiry, roles at click time."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot import keys
from bot.blocks import ids
from bot.console.slack_stub import SlackStub
from bot.models import utcnow
from bot.providers.sandbox import SandboxProvider
from tests.conftest import make_settings
from tests.fakes import FakeCarrier, Recorder
from tests.handlers.test_actions import quote_for
from tests.handlers.test_commands import grant
from tests.slack import TEAM, BotUnderTest

REQUESTER = "U0REQ"
APPROVER = "U0APPROVER"
APPROVER2 = "U0APPROVER2"
VIEWER = "U0VIEWER"
BUYER = "U0BUYER"
APPROVALS = "C0APPROVALS"


async def approval_bot(make_bot, redis, providers) -> BotUnderTest:  # type: ignore[no-untyped-def]
    bot = await make_bot(redis=redis, providers=providers, settings=make_settings(approvals_channel=APPROVALS))
    for user, role in (
        (REQUESTER, "requester"),
        (APPROVER, "approver"),
        (APPROVER2, "approver"),
        (VIEWER, "viewer"),
        (BUYER, "buyer"),
    ):
        await grant(bot, user, role)
    return bot


async def requested(bot: BotUnderTest, slack: SlackStub, user: str = REQUESTER) -> tuple[str, dict]:
    """The requester presses Buy then Request approval; returns quote id and the posted request."""
    quote_id, confirmation = await quote_for(bot, user=user)
    assert ids.REQUEST_APPROVAL in json.dumps(confirmation["blocks"])
    await bot.click(ids.REQUEST_APPROVAL, quote_id, user=user, key="requester-msg")
    assert "Approval requested" in bot.last("requester-msg").text
    posted = slack.api_calls("chat.postMessage")[-1]
    assert posted.data["channel"] == APPROVALS
    return quote_id, posted.data


@pytest.fixture
async def sandboxed(make_bot, redis: Redis) -> tuple[BotUnderTest, Recorder]:  # type: ignore[no-untyped-def]
    sandbox = Recorder(SandboxProvider(redis))
    return await approval_bot(make_bot, redis, {"sandbox": sandbox}), sandbox


async def test_requester_request_then_approval_buys_exactly_once(sandboxed, slack: SlackStub, redis: Redis) -> None:
    bot, sandbox = sandboxed
    quote_id, request = await requested(bot, slack)
    text = json.dumps(request["blocks"])
    for expected in (f"<@{REQUESTER}>", "Monthly", "Setup", "This month's spend", "Quote expires", "sandbox"):
        assert expected in text
    approve, deny = [e for b in request["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (approve["action_id"], deny["action_id"]) == (ids.APPROVE, ids.DENY)
    assert approve["value"] == quote_id
    assert sandbox.count("buy") == 0

    await bot.click(ids.APPROVE, quote_id, user=APPROVER, key="approval-msg", channel=APPROVALS)
    assert sandbox.count("buy") == 1
    final = bot.last("approval-msg")
    assert final.data["replace_original"] is True
    assert f"Approved by <@{APPROVER}>" in final.text
    assert "bought" in final.text
    told = bot.last("requester-msg")
    assert f"<@{APPROVER}> approved your request: bought" in told.text
    entry = json.loads(await redis.hget(keys.pool(TEAM), sandbox.calls[-1][1][0].offer.e164))
    assert entry["bought_by"] == REQUESTER

    audit = [
        (f["action"], f["outcome"], f["actor"])
        for _, f in await redis.xrange(keys.audit(TEAM))
        if f["action"] in ("request", "approve", "buy")
    ]
    assert audit == [("request", "pending", REQUESTER), ("approve", "approved", APPROVER), ("buy", "bought", REQUESTER)]

    await bot.click(ids.APPROVE, quote_id, user=APPROVER2, key="late-approver", channel=APPROVALS)
    assert "already approved" in bot.last("late-approver").text
    assert sandbox.count("buy") == 1


async def test_the_requester_cannot_approve_their_own_request(make_bot, redis: Redis, slack: SlackStub) -> None:
    sandbox = Recorder(SandboxProvider(redis))
    bot = await approval_bot(make_bot, redis, {"sandbox": sandbox})
    await grant(bot, REQUESTER, "approver")  # even an approver may not decide on their own request
    await bot.command("budget --auto-approve 0.01 USD")
    quote_id, _ = await quote_for(bot, user=REQUESTER)
    await bot.click(ids.REQUEST_APPROVAL, quote_id, user=REQUESTER, key="mine")
    await bot.click(ids.APPROVE, quote_id, user=REQUESTER, key="self-approve", channel=APPROVALS)
    refusal = bot.last("self-approve")
    assert "cannot decide on your own request" in refusal.text
    assert refusal.data["replace_original"] is False, "only the clicker sees it; the request is unchanged"
    assert sandbox.count("buy") == 0
    assert await redis.hget(keys.approval(TEAM, quote_id), "status") == "pending"


async def test_a_viewer_clicking_approve_is_refused(sandboxed, slack: SlackStub, redis: Redis) -> None:
    bot, sandbox = sandboxed
    quote_id, _ = await requested(bot, slack)
    ack = await bot.click(ids.APPROVE, quote_id, user=VIEWER, key="viewer-approve", channel=APPROVALS)
    assert ack.status == 200
    assert "needs the approver role; yours is viewer" in bot.last("viewer-approve").text
    assert sandbox.count("buy") == 0
    assert await redis.hget(keys.approval(TEAM, quote_id), "status") == "pending"


async def test_an_approver_demoted_before_clicking_is_refused(sandboxed, slack: SlackStub) -> None:
    bot, sandbox = sandboxed
    quote_id, _ = await requested(bot, slack)
    await grant(bot, APPROVER, "viewer")
    await bot.click(ids.APPROVE, quote_id, user=APPROVER, key="demoted", channel=APPROVALS)
    assert "needs the approver role" in bot.last("demoted").text
    assert sandbox.count("buy") == 0


async def test_an_approver_demoted_while_the_deny_form_is_open_is_refused_on_the_form(
    sandboxed, slack: SlackStub, redis: Redis
) -> None:
    """The refusal goes under the form's input (Slack refuses errors for any other block)."""
    bot, sandbox = sandboxed
    quote_id, _ = await requested(bot, slack)
    await bot.click(ids.DENY, quote_id, user=APPROVER, key="approval-msg", channel=APPROVALS)
    (opened,) = slack.api_calls("views.open")
    await grant(bot, APPROVER, "viewer")
    values = {ids.REASON: {ids.REASON: {"type": "plain_text_input", "value": "no"}}}
    ack = await bot.submit(opened.data["view"], values, user=APPROVER)
    answer = json.loads(ack.body)
    assert answer["response_action"] == "errors"
    assert "needs the approver role" in answer["errors"][ids.REASON]
    assert await redis.hget(keys.approval(TEAM, quote_id), "status") == "pending"
    assert sandbox.count("buy") == 0


async def test_deny_asks_for_a_reason_and_buys_nothing(sandboxed, slack: SlackStub, redis: Redis) -> None:
    bot, sandbox = sandboxed
    quote_id, _ = await requested(bot, slack)
    posted_ts = slack.api_calls("chat.postMessage")[-1].answer["ts"]
    await bot.click(ids.DENY, quote_id, user=APPROVER, key="approval-msg", channel=APPROVALS)
    (opened,) = slack.api_calls("views.open")
    view = opened.data["view"]
    assert view["callback_id"] == ids.DENY_MODAL
    values = {ids.REASON: {ids.REASON: {"type": "plain_text_input", "value": "use the <shared> line"}}}
    ack = await bot.submit(view, values, user=APPROVER)
    assert ack.status == 200
    assert ack.body == ""
    (updated,) = slack.api_calls("chat.update")
    assert updated.data["channel"] == APPROVALS
    assert updated.data["ts"] == posted_ts
    assert f"Denied by <@{APPROVER}>" in json.dumps(updated.data["blocks"])
    assert "use the &lt;shared&gt; line" in json.dumps(updated.data["blocks"])
    assert "denied your request" in bot.last("requester-msg").text
    assert sandbox.count("buy") == 0
    assert await redis.exists(keys.quote(TEAM, quote_id)) == 0
    assert await redis.hget(keys.approval(TEAM, quote_id), "status") == "denied"
    (entry,) = [f for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "deny"]
    assert entry["outcome"] == "denied"
    assert entry["actor"] == APPROVER
    # and it cannot be approved afterwards
    await bot.click(ids.APPROVE, quote_id, user=APPROVER2, key="after-deny", channel=APPROVALS)
    assert "already denied" in bot.last("after-deny").text
    assert sandbox.count("buy") == 0


async def test_the_requester_cannot_deny_their_own_request_either(sandboxed, slack: SlackStub) -> None:
    bot, _ = sandboxed
    await grant(bot, REQUESTER, "approver")
    await bot.command("budget --auto-approve 0.01 USD")
    quote_id, _ = await quote_for(bot, user=REQUESTER)
    await bot.click(ids.REQUEST_APPROVAL, quote_id, user=REQUESTER, key="mine")
    await bot.click(ids.DENY, quote_id, user=REQUESTER, key="self-deny", channel=APPROVALS)
    assert "own request" in bot.last("self-deny").text
    assert slack.api_calls("views.open") == []


async def test_an_expired_quote_cannot_be_approved_and_can_be_asked_again(
    sandboxed, slack: SlackStub, redis: Redis
) -> None:
    bot, sandbox = sandboxed
    quote_id, _ = await requested(bot, slack)
    await redis.delete(keys.quote(TEAM, quote_id))  # the quote's TTL ran out
    await bot.click(ids.APPROVE, quote_id, user=APPROVER, key="approval-msg", channel=APPROVALS)
    assert "expired before a decision" in bot.last("approval-msg").text
    assert sandbox.count("buy") == 0
    notice = bot.last("requester-msg")
    assert "expired before anyone approved it" in notice.text
    (again,) = bot.buttons(notice, ids.ASK_AGAIN)
    await bot.click(ids.ASK_AGAIN, again["value"], user=REQUESTER, key="again")
    fresh = bot.last("again")
    new_quote = bot.buttons(fresh, ids.REQUEST_APPROVAL)[0]["value"]
    assert new_quote != quote_id
    assert await redis.exists(keys.quote(TEAM, new_quote))
    assert [f["outcome"] for _, f in await redis.xrange(keys.audit(TEAM)) if f["action"] == "expire"] == ["expired"]


def later(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    """The bot's clock moves on; Redis has not expired anything (its clock may differ)."""
    monkeypatch.setattr(bot.services.purchases, "clock", lambda: utcnow() + timedelta(seconds=seconds))


async def test_a_quote_past_its_time_cannot_be_approved_though_redis_still_holds_it(
    sandboxed, slack: SlackStub, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, sandbox = sandboxed
    quote_id, _ = await requested(bot, slack)
    later(bot, monkeypatch, 301)
    assert await redis.exists(keys.quote(TEAM, quote_id))
    await bot.click(ids.APPROVE, quote_id, user=APPROVER, key="approval-msg", channel=APPROVALS)
    assert "expired before a decision" in bot.last("approval-msg").text
    assert "expired before anyone approved it" in bot.last("requester-msg").text
    assert sandbox.count("buy") == 0
    assert await redis.hlen(keys.pool(TEAM)) == 0


async def test_approval_cannot_be_requested_for_a_quote_past_its_time(
    sandboxed, slack: SlackStub, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, _ = sandboxed
    quote_id, _ = await quote_for(bot, user=REQUESTER)
    later(bot, monkeypatch, 301)
    posts = len(slack.api_calls("chat.postMessage"))
    await bot.click(ids.REQUEST_APPROVAL, quote_id, user=REQUESTER, key="late-request")
    assert "expired" in bot.last("late-request").text
    assert len(slack.api_calls("chat.postMessage")) == posts, "nothing is posted to the approvers"


async def test_the_sweep_closes_requests_nobody_decided(sandboxed, slack: SlackStub, redis: Redis) -> None:
    bot, sandbox = sandboxed
    quote_id, _ = await requested(bot, slack)
    assert await bot.services.approvals.sweep() == 0, "a live quote is left alone"
    await redis.delete(keys.quote(TEAM, quote_id))
    await redis.zadd(keys.approvals(TEAM), {quote_id: 0})  # its expiry time has passed
    assert await bot.services.approvals.sweep() == 1
    (updated,) = slack.api_calls("chat.update")
    assert "expired" in json.dumps(updated.data["blocks"])
    assert "expired before anyone approved it" in bot.last("requester-msg").text
    await bot.click(ids.APPROVE, quote_id, user=APPROVER, key="too-late", channel=APPROVALS)
    assert "already expired" in bot.last("too-late").text
    assert sandbox.count("buy") == 0


async def test_over_budget_purchase_by_a_buyer_needs_approval(sandboxed, slack: SlackStub) -> None:
    bot, sandbox = sandboxed
    await bot.command("budget 0.50 USD")
    quote_id, confirmation = await quote_for(bot, user=BUYER)
    assert "over the 0.50 USD budget" in json.dumps(confirmation["blocks"])
    assert ids.CONFIRM not in json.dumps(confirmation["blocks"])
    await bot.click(ids.CONFIRM, quote_id, user=BUYER, key="try")
    assert sandbox.count("buy") == 0
    await bot.click(ids.REQUEST_APPROVAL, quote_id, user=BUYER, key="requester-msg")
    await bot.click(ids.APPROVE, quote_id, user=APPROVER, key="approval-msg", channel=APPROVALS)
    assert sandbox.count("buy") == 1


async def test_no_approvals_channel_is_a_clear_message(make_bot, redis: Redis) -> None:
    bot = await make_bot(redis=redis)
    await grant(bot, REQUESTER, "requester")
    quote_id, _ = await quote_for(bot, user=REQUESTER)
    await bot.click(ids.REQUEST_APPROVAL, quote_id, user=REQUESTER, key="nowhere")
    assert "APPROVALS_CHANNEL" in bot.last("nowhere").text


async def test_a_double_request_posts_once(sandboxed, slack: SlackStub) -> None:
    bot, _ = sandboxed
    quote_id, _ = await requested(bot, slack)
    await bot.click(ids.REQUEST_APPROVAL, quote_id, user=REQUESTER, key="twice")
    assert "already requested" in bot.last("twice").text
    assert len(slack.api_calls("chat.postMessage")) == 1


@pytest.mark.redis_server
async def test_two_approvers_clicking_at_once_on_real_redis_buy_once(
    make_bot, real_redis: Redis, slack: SlackStub
) -> None:
    carrier = FakeCarrier()
    carrier.buy_delay = 0.1
    settings = make_settings(approvals_channel=APPROVALS)
    one = await make_bot(redis=real_redis, providers={"fake": carrier}, settings=settings, worker="one")
    two = await make_bot(redis=real_redis, providers={"fake": carrier}, settings=settings, worker="two")
    for user, role in ((REQUESTER, "requester"), (APPROVER, "approver"), (APPROVER2, "approver")):
        await grant(one, user, role)
    quote_id, _ = await requested(one, slack)
    await asyncio.gather(
        *(
            bot.click(ids.APPROVE, quote_id, user=user, key=f"a{i}", channel=APPROVALS, settle=False)
            for i, (bot, user) in enumerate([(one, APPROVER), (two, APPROVER2), (one, APPROVER2), (two, APPROVER)] * 3)
        )
    )
    await one.settle()
    await two.settle()
    assert carrier.requests["buy"] == 1
    approvals = [f for _, f in await real_redis.xrange(keys.audit(TEAM)) if f["action"] == "approve"]
    assert len(approvals) == 1


@pytest.mark.redis_server
async def test_an_approved_purchase_resolved_after_a_crash_updates_the_approval_message(
    make_bot, real_redis: Redis, slack: SlackStub
) -> None:
    carrier = FakeCarrier()
    carrier.buy_mode = "hang"
    settings = make_settings(approvals_channel=APPROVALS)
    dying = await make_bot(redis=real_redis, providers={"fake": carrier}, settings=settings, worker="dying")
    survivor = await make_bot(redis=real_redis, providers={"fake": carrier}, settings=settings, worker="survivor")
    for user, role in ((REQUESTER, "requester"), (APPROVER, "approver")):
        await grant(dying, user, role)
    quote_id, _ = await requested(dying, slack)
    await dying.click(ids.APPROVE, quote_id, user=APPROVER, key="approval-msg", channel=APPROVALS, settle=False)
    await asyncio.wait_for(carrier.bought_event.wait(), 5)
    await dying.services.lifecycle.cancel_all()
    assert await survivor.services.reconciler.run_once() == 1
    assert carrier.requests["buy"] == 1
    (updated,) = slack.api_calls("chat.update")
    assert f"Approved by <@{APPROVER}>" in json.dumps(updated.data["blocks"])
    assert "bought" in json.dumps(updated.data["blocks"])
    assert "bought" in bot_last(slack, "requester-msg")


def bot_last(slack: SlackStub, key: str) -> str:
    return slack.responses(key)[-1].text
