"""`/number list` pages through a pool larger than one Slack message, by signed clicks.

Every page passes the Slack stand-in's Block Kit checks (a page Slack refuses fails the test
at teardown), so a page that cannot be shown in Slack cannot pass here either.
"""

from __future__ import annotations

import json
import re

from redis.asyncio import Redis

from bot.blocks import ids
from bot.console.slack_stub import Call, SlackStub
from bot.models import PoolEntry, utcnow
from bot.pool import PAGE_SIZE, PoolStore
from tests.handlers.test_commands import grant
from tests.slack import ADMIN, TEAM, BotUnderTest

POOL = 60


async def fill_pool(redis: Redis, size: int) -> list[str]:
    numbers = [f"+4420794601{i:02d}" for i in range(size)]
    for e164 in numbers:
        entry = PoolEntry(e164=e164, provider="sandbox", bought_by=ADMIN, bought_at=utcnow())
        assert await PoolStore(redis).adopt(TEAM, entry)
    return numbers


def shown(page: Call) -> list[str]:
    """The numbers a page lists, in order."""
    rows = [b["text"]["text"] for b in page.blocks if b["type"] == "section"]
    return [m.group(1) for r in rows if (m := re.search(r"`(\+\d+)`", r))]


def page_label(page: Call) -> str:
    found = re.search(r"Page \d+ of \d+", json.dumps(page.blocks))
    assert found, page.text
    return found.group(0)


async def test_a_60_number_pool_pages_to_the_end_and_back(bot: BotUnderTest, redis: Redis) -> None:
    numbers = await fill_pool(redis, POOL)
    pages = POOL // PAGE_SIZE
    ack = await bot.command("list")
    page = bot.last(ack.key)
    seen = [shown(page)]
    assert page_label(page) == f"Page 1 of {pages}"
    assert bot.buttons(page, ids.LIST_PREVIOUS) == [], "no Previous on the first page"

    for n in range(2, pages + 1):  # Next until the last page, each replacing the one clicked
        await bot.press(page, ids.LIST_NEXT, key="listing")
        page = bot.last("listing")
        assert page.data["replace_original"] is True
        assert page_label(page) == f"Page {n} of {pages}"
        seen.append(shown(page))
    assert bot.buttons(page, ids.LIST_NEXT) == [], "no Next on the last page"
    assert sorted(n for rows in seen for n in rows) == sorted(numbers), "every number appears once across the pages"
    assert all(len(rows) == PAGE_SIZE for rows in seen)

    for n in range(pages - 1, 0, -1):  # and Previous back to the first
        await bot.press(page, ids.LIST_PREVIOUS, key="listing")
        page = bot.last("listing")
        assert page_label(page) == f"Page {n} of {pages}"
        assert shown(page) == seen[n - 1]
    assert bot.buttons(page, ids.LIST_PREVIOUS) == []
    assert len(bot.stub.responses("listing")) == 2 * (pages - 1)


async def test_previous_and_next_sit_side_by_side_with_distinct_ids(bot: BotUnderTest, redis: Redis) -> None:
    await fill_pool(redis, 3 * PAGE_SIZE)
    ack = await bot.command("list")
    await bot.press(bot.last(ack.key), ids.LIST_NEXT, key="middle")
    middle = bot.last("middle")
    (nav,) = [b for b in middle.blocks if b["type"] == "actions"]
    assert nav["block_id"] == ids.LIST_NAV
    assert [e["action_id"] for e in nav["elements"]] == [ids.LIST_PREVIOUS, ids.LIST_NEXT]


async def test_next_on_a_page_posted_before_the_ids_changed_still_turns(bot: BotUnderTest, redis: Redis) -> None:
    await fill_pool(redis, 2 * PAGE_SIZE)
    await bot.click(ids.LIST_PAGE, json.dumps({"page": 1, "provider": None}), key="old", block_id=ids.LIST_NAV)
    assert page_label(bot.last("old")) == "Page 2 of 2"


async def test_a_viewer_may_page_and_a_stranger_may_not(bot: BotUnderTest, redis: Redis) -> None:
    await fill_pool(redis, 2 * PAGE_SIZE)
    await grant(bot, "U0VIEWER", "viewer")
    ack = await bot.command("list", user="U0VIEWER")
    await bot.press(bot.last(ack.key), ids.LIST_NEXT, user="U0VIEWER", key="viewer")
    assert page_label(bot.last("viewer")) == "Page 2 of 2"
    await bot.press(bot.last(ack.key), ids.LIST_NEXT, user="U0NOBODY", key="stranger")
    assert "no numberbot role" in bot.last("stranger").text


async def test_the_stand_in_refuses_the_old_page_with_two_equal_action_ids(slack: SlackStub) -> None:
    """What Slack answered the old page 2: two buttons with one action_id in one block."""
    import httpx

    from bot.blocks.common import actions, button

    blocks = [actions(button("◀ Previous", ids.LIST_PAGE, "0"), button("Next ▶", ids.LIST_PAGE, "2"))]
    async with httpx.AsyncClient() as client:
        posted = await client.post(slack.response_url("old-page"), json={"text": "page 2", "blocks": blocks})
        api = await client.post(f"{slack.api_url}chat.update", json={"channel": "C1", "ts": "1.2", "blocks": blocks})
    assert (posted.status_code, posted.text) == (400, "invalid_blocks")
    answer = api.json()
    assert (answer["ok"], answer["error"]) == (False, "invalid_blocks")
    assert "[json-pointer:/blocks/0/elements/1/action_id]" in answer["response_metadata"]["messages"][0]
    assert len(slack.take_refusals()) == 2
