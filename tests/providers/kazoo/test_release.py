"""Kazoo release: the number, then the bot's own callflow for it; settled by looking when unsure."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.providers.kazoo import KazooProvider
from tests.fakes import StaticProgress
from tests.providers.contract import Account, Listing, london
from tests.providers.kazoo import DESTINATION, A
from tests.providers.kazoo_wire import KazooWire, callflow_id, error


async def test_release_removes_the_bots_callflow_after_the_number(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(6), forward_to=DESTINATION))
    numbers, callflows = wire.mock_release()
    progress = StaticProgress()

    await kazoo.release(london(6), progress)

    assert numbers.call_count == callflows.call_count == 1
    deletes = [c.request.url.path for c in router.calls if c.request.method == "DELETE"]
    assert deletes == [f"{A}/phone_numbers/{london(6)}", f"{A}/callflows/{callflow_id(london(6))}"]
    assert progress.state == {"kazoo_callflow": callflow_id(london(6))}


@pytest.mark.parametrize(
    ("name", "numbers"),
    [("Desk", ["N"]), ("numberbot: forward N", ["N", "2000"])],
    ids=["someone-elses", "also-routes-an-extension"],
)
async def test_release_keeps_callflows_that_are_not_only_the_bots_forward(
    kazoo: KazooProvider, wire: KazooWire, account: Account, name: str, numbers: list[str]
) -> None:
    account.own(Listing(e164=london(7)))
    flow = {"module": "device", "data": {"id": "d1"}, "children": {}}
    listed = [london(7) if n == "N" else n for n in numbers]
    wire.others["d00d"] = {
        "id": "d00d",
        "name": name.replace("N", london(7)),
        "numbers": listed,
        "patterns": [],
        "flow": flow,
    }
    numbers_route, callflows = wire.mock_release()
    await kazoo.release(london(7), StaticProgress())
    assert (numbers_route.call_count, callflows.call_count) == (1, 0)
    assert "d00d" in wire.others


async def test_a_lost_release_is_finished_by_check_release(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(8), forward_to=DESTINATION))

    def released_silently(request: httpx.Request) -> httpx.Response:
        account.drop(london(8))
        raise httpx.ReadTimeout("no answer", request=request)

    # Added first, so it answers before the wire's own DELETE of numbers.
    router.route(method="DELETE", path__regex=rf"^{A}/phone_numbers/.*$").mock(side_effect=released_silently)
    _, callflows = wire.mock_release()
    progress = StaticProgress()
    with pytest.raises(OutcomeUnknown):
        await kazoo.release(london(8), progress)
    assert callflows.call_count == 0
    assert await kazoo.check_release(london(8), progress) is True
    assert callflows.call_count == 1, "whoever resolves the release removes the callflow"


async def test_a_release_kazoo_refuses_is_kept_with_its_reason(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(9)))
    denied = {"message": "unknown failure", "unauthorized": "Not authorized to perform requested number operation"}
    router.route(method="DELETE", path__regex=rf"^{A}/phone_numbers/.*$").mock(
        return_value=error(500, "unauthorized", denied)
    )
    with pytest.raises(ProviderRefused, match=r"could not release .*unauthorized: unknown failure"):
        await kazoo.release(london(9), StaticProgress())


async def test_a_number_gone_by_the_time_it_is_deleted_counts_as_released(
    kazoo: KazooProvider, wire: KazooWire, account: Account, router: respx.MockRouter
) -> None:
    account.own(Listing(e164=london(11), forward_to=DESTINATION))

    def already_gone(request: httpx.Request) -> httpx.Response:
        account.drop(london(11))  # released in Kazoo's UI a moment ago
        return error(404, "bad_identifier", {"message": "bad identifier", "not_found": "The number could not be found"})

    router.route(method="DELETE", path__regex=rf"^{A}/phone_numbers/.*$").mock(side_effect=already_gone)
    _, callflows = wire.mock_release()
    await kazoo.release(london(11), StaticProgress())
    assert callflows.call_count == 1
