"""Acks first: work after an ack waits (briefly) for the acks being worked out, so a burst's
last acks are not pushed back by the first commands' provider work."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.lifecycle import QUIET, Lifecycle
from tests.slack import BotUnderTest


async def test_work_after_an_ack_waits_for_the_acks_in_progress(bot: BotUnderTest) -> None:
    lifecycle = bot.services.lifecycle
    with lifecycle.acking():  # another request's ack is being worked out
        ack = await bot.command("list", settle=False)
        assert ack.status == 200
        await asyncio.sleep(0.1)
        assert bot.replies(ack.key) == [], "the list waited for the other ack"
    await bot.settle()
    assert "Number pool" in bot.last(ack.key).text


async def test_every_request_is_counted_while_its_ack_is_worked_out(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    roles = bot.services.roles
    role_of = roles.role_of

    async def counting(team_id: str, user_id: str):  # type: ignore[no-untyped-def]
        seen.append(bot.services.lifecycle.acks_in_progress)
        return await role_of(team_id, user_id)

    monkeypatch.setattr(roles, "role_of", counting)
    await bot.command("search US")
    assert seen[0] == 1, "the search's ack was counted while the gate checked the role"
    assert bot.services.lifecycle.acks_in_progress == 0


async def test_the_wait_is_bounded() -> None:
    lifecycle = Lifecycle()
    with lifecycle.acking():  # an ack that never ends must not hold work back for long
        started = time.monotonic()
        await lifecycle.after_acks(most=0.05)
        assert 0.04 <= time.monotonic() - started < 1.0


async def test_nothing_waits_when_no_ack_is_in_progress() -> None:
    lifecycle = Lifecycle()
    await asyncio.wait_for(lifecycle.after_acks(most=60), 0.5)


async def test_work_waits_a_moment_after_the_last_ack_began_for_the_rest_of_the_burst() -> None:
    lifecycle = Lifecycle()
    with lifecycle.acking():
        pass  # an ack just went out; more of its burst may be arriving
    started = time.monotonic()
    await lifecycle.after_acks(most=1.0)
    assert QUIET * 0.8 <= time.monotonic() - started < 0.5
