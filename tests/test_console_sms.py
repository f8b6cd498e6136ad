"""`:sms` in the console: an SMS to a sandbox number goes through the real webhook and is shown
as it is posted; a private routing's View message reveals it."""

from __future__ import annotations

import fakeredis

from bot.models import SearchQuery
from bot.providers.sandbox import SandboxProvider
from tests.test_console import run_console


async def first_for_sale() -> str:
    """The number `search GB 20 --limit 1` offers first (the sandbox's stock is deterministic)."""
    redis = fakeredis.FakeAsyncRedis(decode_responses=True)
    (offer,) = await SandboxProvider(redis).search(SearchQuery(country="GB", pattern="20", limit=1))
    await redis.aclose()
    return offer.e164


async def test_an_sms_to_a_sandbox_number_is_posted_in_the_console() -> None:
    number = await first_for_sale()
    out = run_console(
        "\n".join(
            [
                "/number search GB 20 --limit 1",
                "1",  # Buy
                "1",  # Confirm purchase
                f":sms {number} too early",
                f"/number sms-to {number} #console",
                f":sms {number} hello from the console",
                f"/number sms-to {number} #console --private",
                f":sms {number} Your Acme code is 318274",
                "1",  # View message
            ]
        )
        + "\n"
    )
    assert f"{number} is not routed from the sandbox: /number sms-to {number} #console first." in out
    assert "now go to <#C0CONSOLE>" in out or "now go to #C0CONSOLE" in out
    assert "(posted to C0CONSOLE)" in out
    assert "> hello from the console" in out
    private = out.split(f":sms {number} Your Acme code is 318274")[1]
    before_click = private.split("(clicking “View message”")[0]
    assert "[1] View message" in before_click
    assert "318274" not in before_click, "the channel never shows a private text"
    assert "== Code: 318274 ==" in private
