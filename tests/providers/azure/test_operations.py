"""Azure's long-running operations as the 2025-06-01 reference defines them, on the mock and the adapter."""

from __future__ import annotations

import pytest

from bot.errors import ProviderRefused
from bot.providers.azure import AzureProvider
from tests.fakes import StaticProgress
from tests.providers.azure import US_TOLLFREE, reserved
from tests.providers.azure_wire import OPERATION_STATUSES, AzureWire
from tests.providers.contract import Account


@pytest.mark.parametrize("status", ["Succeeded", "completed", "inProgress", "cancelled"])
def test_a_status_azure_never_reports_cannot_be_set_up(wire: AzureWire, status: str) -> None:
    with pytest.raises(ValueError, match="Azure never reports an operation as"):
        wire.statuses = ["running", status]


async def test_operations_carry_the_documented_fields_and_values(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    order = await reserved(azure, wire)
    wire.statuses = ["notStarted", "running", "succeeded"]
    await azure.buy(order, StaticProgress())
    bodies = [call.response.json() for call in wire.routes["operation"].calls]

    assert [b["status"] for b in bodies] == ["notStarted", "running", "succeeded"]
    assert all(b["status"] in OPERATION_STATUSES for b in bodies)
    for body in bodies:
        assert {"id", "operationType", "status", "createdDateTime"} <= set(body), "required by PhoneNumberOperation"
        assert body["operationType"] == "purchase"
    assert US_TOLLFREE.e164 in account.owned


async def test_a_failed_operation_says_azures_reason(azure: AzureProvider, wire: AzureWire, account: Account) -> None:
    order = await reserved(azure, wire)
    wire.purchase = "failed"
    wire.failure = "Not enough credit on the subscription."
    with pytest.raises(ProviderRefused, match="Not enough credit on the subscription"):
        await azure.buy(order, StaticProgress())
    (failed,) = [c.response.json() for c in wire.routes["operation"].calls if c.response.json()["status"] == "failed"]
    assert failed["error"] == {"code": "PurchaseFailed", "message": "Not enough credit on the subscription."}
    assert US_TOLLFREE.e164 not in account.owned
