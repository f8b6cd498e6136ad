"""Azure purchase: the long-running operation, saved before it is polled and resumed, never bought twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.models import Money
from bot.providers.azure import AzureProvider
from bot.providers.azure_wire import operation_id
from tests.fakes import Sleeps, StaticProgress
from tests.providers.azure import US_TOLLFREE, make_azure, reserved
from tests.providers.azure_wire import AzureWire
from tests.providers.contract import Account


async def test_the_purchase_operation_is_saved_before_polling_and_polled_to_success(
    azure: AzureProvider, wire: AzureWire, account: Account, sleeps: Sleeps
) -> None:
    order = await reserved(azure, wire)
    wire.statuses = ["notStarted", "running", "notStarted", "running", "succeeded"]
    saved_before_poll: list[dict[str, Any]] = []

    class Checkpoints(StaticProgress):
        async def save(self, **values: Any) -> None:
            await super().save(**values)
            saved_before_poll.append({**self.state, "polls": wire.routes["operation"].call_count})

    progress = Checkpoints()
    owned = await azure.buy(order, progress)

    assert owned.e164 == US_TOLLFREE.e164
    assert owned.monthly == Money(amount=Decimal("2.00"), currency="USD")
    rid = order.hold.ref["reservation"] if order.hold else ""
    assert saved_before_poll == [
        {"reservation": rid, "polls": 0},
        {"reservation": rid, "operation": f"reservationPurchase_{rid}", "polls": 0},
    ]
    assert wire.routes["operation"].call_count == 5, "notStarted after running is still not finished"
    assert sleeps == [1.0, 1.0, 1.0, 1.0], "Retry-After decides each wait"
    assert US_TOLLFREE.e164 in account.owned
    assert wire.routes["purchase"].call_count == 1


async def test_without_retry_after_the_default_interval_is_used_and_polling_is_bounded(
    wire: AzureWire, sleeps: Sleeps
) -> None:
    wire.retry_after = None
    wire.statuses = ["running"]  # never finishes
    async with httpx.AsyncClient(timeout=None) as http:
        azure = make_azure(http, sleeps=sleeps, poll_interval=2.0, poll_budget=7.0)
        order = await reserved(azure, wire)
        progress = StaticProgress()
        with pytest.raises(OutcomeUnknown, match="still running at Azure"):
            await azure.buy(order, progress)
    assert sleeps == [2.0, 2.0, 2.0]
    assert wire.routes["operation"].call_count == 4
    assert progress.state["operation"].startswith("reservationPurchase_")


async def test_a_long_retry_after_is_capped(azure: AzureProvider, wire: AzureWire, sleeps: Sleeps) -> None:
    wire.retry_after = "3600"
    order = await reserved(azure, wire)
    await azure.buy(order, StaticProgress())
    assert sleeps == [10.0, 10.0]


async def test_a_failed_purchase_operation_is_refused_with_azure_reason(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    order = await reserved(azure, wire)
    wire.purchase, wire.failure = "failed", "Not enough credit on the subscription."
    with pytest.raises(ProviderRefused) as refused:
        await azure.buy(order, StaticProgress())
    assert refused.value.user_message == (
        "Azure: could not buy +18885550100: Not enough credit on the subscription. (PurchaseFailed); "
        "the account does not have it, so nothing was bought"
    )
    assert account.owned == {}


async def test_a_purchase_rejected_at_once_is_refused_after_checking_the_account(
    azure: AzureProvider, wire: AzureWire
) -> None:
    order = await reserved(azure, wire)
    wire.purchase, wire.failure = "rejected", "Reservation contains no numbers."
    refused = r"Reservation contains no numbers\. \(BadRequest\); the account does not have it, so nothing was bought"
    with pytest.raises(ProviderRefused, match=refused):
        await azure.buy(order, StaticProgress())
    assert wire.routes["number"].call_count == 1
    assert wire.routes["operation"].call_count == 0


async def test_a_purchase_answered_with_a_server_error_is_unknown_not_failed(
    azure: AzureProvider, wire: AzureWire
) -> None:
    order = await reserved(azure, wire)
    wire.routes["purchase"].mock(return_value=httpx.Response(503))
    with pytest.raises(OutcomeUnknown):
        await azure.buy(order, StaticProgress())
    assert wire.routes["purchase"].call_count == 1, "a purchase is never retried blindly"


async def test_an_unreadable_operation_leaves_the_purchase_unknown(azure: AzureProvider, wire: AzureWire) -> None:
    order = await reserved(azure, wire)
    wire.routes["operation"].mock(return_value=httpx.Response(503))
    with pytest.raises(OutcomeUnknown, match="accepted but its progress could not be read"):
        await azure.buy(order, StaticProgress())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {"operation-id": "release_378ddf60", "Operation-Location": "/phoneNumbers/operations/other"},
            "release_378ddf60",
        ),
        ({"Operation-Location": "/phoneNumbers/operations/release_378ddf60"}, "release_378ddf60"),
        (  # as Azure's own example writes it, host and path run together
            {
                "Operation-Location": "https://x.communication.azure.comoperations/reservationPurchase_65c1?api-version=1"
            },
            "reservationPurchase_65c1",
        ),
        ({"Operation-Location": "https://x.example/phoneNumbers/operations/../../evil path"}, None),
        ({}, None),
    ],
)
def test_the_operation_to_follow_is_read_from_the_headers(headers: dict[str, str], expected: str | None) -> None:
    assert operation_id(httpx.Response(202, headers=headers)) == expected


async def test_check_purchase_resumes_the_saved_operation_and_never_buys(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    order = await reserved(azure, wire)
    wire.statuses = ["running"]
    progress = StaticProgress()
    async with httpx.AsyncClient(timeout=None) as http:
        impatient = make_azure(http, max_polls=1)
        with pytest.raises(OutcomeUnknown):
            await impatient.buy(order, progress)  # a process that gave up (or died) while it ran
    wire.operations[progress.state["operation"]].statuses = ["running", "notStarted", "succeeded"]

    owned = await azure.check_purchase(order, StaticProgress(progress.state))

    assert owned is not None
    assert owned.e164 == US_TOLLFREE.e164
    assert wire.routes["purchase"].call_count == 1
    assert US_TOLLFREE.e164 in account.owned


async def test_check_purchase_of_a_failed_operation_finds_nothing(azure: AzureProvider, wire: AzureWire) -> None:
    order = await reserved(azure, wire)
    wire.purchase = "failed"
    progress = StaticProgress()
    with pytest.raises(ProviderRefused):
        await azure.buy(order, progress)
    assert await azure.check_purchase(order, progress) is None


async def test_a_lost_purchase_still_submitted_is_unknown(azure: AzureProvider, wire: AzureWire) -> None:
    order = await reserved(azure, wire)
    wire.purchase = "lost"
    progress = StaticProgress()
    with pytest.raises(OutcomeUnknown):
        await azure.buy(order, progress)
    wire.reservations[progress.state["reservation"]]["status"] = "submitted"
    with pytest.raises(OutcomeUnknown, match="still being processed"):
        await azure.check_purchase(order, progress)
    assert wire.routes["purchase"].call_count == 1
