"""The one authorization road: only the payload types the app uses get past the gate.

Bolt's `app.action(id)` would also match legacy `interactive_message`, `dialog_*` and
`workflow_step_edit` payloads that carry the id as their `callback_id`; a viewer once bought
a number that way. Here every such payload, with every action and form id, is sent signed
into the real app, and nothing may run: no provider call, no Redis write, no message.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from redis.asyncio import Redis

from bot.access import NEEDS
from bot.blocks import ids
from tests.fakes import Recorder
from tests.handlers.test_commands import buy_sandbox_number, grant
from tests.slack import ADMIN, TEAM, BotUnderTest

LEGACY = (
    "interactive_message",
    "dialog_submission",
    "dialog_cancellation",
    "dialog_suggestion",
    "workflow_step_edit",
    "shortcut",
    "message_action",
    "block_suggestion",
    "view_closed",
)
IDS = sorted({name for (kind, name) in NEEDS if kind in ("action", "view")})


def legacy_payload(kind: str, callback_id: str, value: str, *, user: str, response_url: str) -> str:
    """A payload of an old or unused type, shaped as Slack sends it, carrying our id."""
    payload: dict[str, Any] = {
        "type": kind,
        "callback_id": callback_id,
        "action_id": callback_id,
        "team": {"id": TEAM, "domain": "numberbot"},
        "user": {"id": user, "name": user.lower(), "team_id": TEAM},
        "channel": {"id": "C0TEST", "name": "numbers"},
        "action_ts": "1700000000.000200",
        "message_ts": "1700000000.000100",
        "response_url": response_url,
        "trigger_id": "trigger.legacy",
        "token": "unused-verification-token",
        "actions": [{"name": callback_id, "type": "button", "value": value}],
        "submission": {"reason": "legacy"},
        "value": value,
        "view": {"id": "V1", "callback_id": callback_id, "private_metadata": json.dumps({"quote": value})},
        "workflow_step": {"workflow_step_edit_id": "1", "step_id": "1"},
    }
    return urlencode({"payload": json.dumps(payload)})


def slack_calls(bot: BotUnderTest) -> list[Any]:
    """What the bot sent to Slack (Bolt's own auth.test on a first event is not the bot speaking)."""
    return [c for c in bot.stub.calls if c.method != "auth.test"]


async def snapshot(redis: Redis) -> dict[str, Any]:
    """Every key with its type and content: what any write would change."""
    found: dict[str, Any] = {}
    for key in sorted(await redis.keys("*")):
        kind = await redis.type(key)
        if kind == "string":
            found[key] = await redis.get(key)
        elif kind == "hash":
            found[key] = await redis.hgetall(key)
        elif kind == "set":
            found[key] = sorted(await redis.smembers(key))
        elif kind == "zset":
            found[key] = await redis.zrange(key, 0, -1, withscores=True)
        elif kind == "stream":
            found[key] = await redis.xrange(key)
        else:
            found[key] = kind
    return found


async def test_legacy_payloads_with_every_action_id_run_nothing(
    bot: BotUnderTest, redis: Redis, sandbox: Recorder
) -> None:
    # Real values to point the forged payloads at: a search offer, a live quote, a release intent.
    number = await buy_sandbox_number(bot)
    ack = await bot.command("search GB --limit 2")
    offer_ref = bot.buttons(bot.last(ack.key), ids.BUY)[0]["value"]
    await bot.click(ids.BUY, offer_ref, key="quote")
    quote_id = bot.buttons(bot.last("quote"), ids.CONFIRM)[0]["value"]
    release = await bot.command(f"release {number}")
    intent_id = next(e["value"] for b in release.json["blocks"] if b["type"] == "actions" for e in b["elements"])
    await grant(bot, "U0VIEWER", "viewer")
    values = {
        ids.BUY: offer_ref,
        ids.LIST_PAGE: json.dumps({"page": 0, "provider": None}),
        ids.LIST_PREVIOUS: json.dumps({"page": 0, "provider": None}),
        ids.LIST_NEXT: json.dumps({"page": 1, "provider": None}),
        ids.RELEASE: intent_id,
        ids.RELEASE_CANCEL: intent_id,
    }

    before = await snapshot(redis)
    calls_before, provider_before = len(slack_calls(bot)), sandbox.count()
    answers: dict[tuple[str, str, str], tuple[int, str]] = {}
    for kind in LEGACY:
        for callback_id in IDS:
            for user in (ADMIN, "U0VIEWER"):
                key = f"legacy-{kind}-{callback_id}-{user}"
                body = legacy_payload(
                    kind,
                    callback_id,
                    values.get(callback_id, quote_id),
                    user=user,
                    response_url=bot.stub.response_url(key),
                )
                answers[(kind, callback_id, user)] = await bot.post(body)
    await bot.settle()

    assert len(answers) == len(LEGACY) * len(IDS) * 2
    assert sandbox.count() == provider_before, "no provider was called"
    assert await snapshot(redis) == before, "nothing was written to Redis"
    assert slack_calls(bot)[calls_before:] == [], "nothing was posted to Slack"
    # Refused, and still acknowledged (Slack would otherwise show an error and retry).
    assert {sent: answer for sent, answer in answers.items() if answer != (200, "")} == {}


def block_actions(action_id: str, value: str, response_url: str, actions: int = 1) -> str:
    action = {"type": "button", "action_id": action_id, "block_id": "b", "value": value}
    payload = {
        "type": "block_actions",
        "user": {"id": ADMIN, "team_id": TEAM},
        "team": {"id": TEAM},
        "channel": {"id": "C0TEST"},
        "response_url": response_url,
        "trigger_id": "trigger.x",
        "actions": [action] * actions,
    }
    return urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize(("action_id", "actions"), [("nb_not_ours", 1), (ids.BUY, 2)])
async def test_a_button_the_app_does_not_have_is_refused_with_the_reason(
    bot: BotUnderTest, sandbox: Recorder, action_id: str, actions: int
) -> None:
    status, answer = await bot.post(block_actions(action_id, "x:0", bot.stub.response_url("odd"), actions))
    await bot.settle()
    assert (status, answer) == (200, "")
    assert "does not accept this kind of request" in bot.last("odd").text
    assert sandbox.count() == 0


async def test_another_slash_command_is_refused_with_the_reason(bot: BotUnderTest, sandbox: Recorder) -> None:
    body = urlencode(
        {
            "command": "/numbers",
            "text": "search GB",
            "team_id": TEAM,
            "user_id": ADMIN,
            "channel_id": "C0TEST",
            "response_url": bot.stub.response_url("other"),
            "trigger_id": "t",
        }
    )
    status, answer = await bot.post(body)
    assert status == 200
    assert "does not accept" in json.loads(answer)["text"]
    assert sandbox.count() == 0


async def test_an_event_the_app_does_not_use_runs_nothing(bot: BotUnderTest, redis: Redis) -> None:
    before = await snapshot(redis)
    event = {
        "type": "event_callback",
        "team_id": TEAM,
        "api_app_id": "A0NUMBERBOT",
        "event": {"type": "message", "user": ADMIN, "text": "/number release +44…", "channel": "C0TEST"},
        "event_id": "Ev1",
        "event_time": 1700000000,
    }
    status, _ = await bot.post(json.dumps(event), headers=None)
    await bot.settle()
    assert status == 200
    assert await snapshot(redis) == before
    assert slack_calls(bot) == []
