"""Azure release: a long-running operation, saved first, resumed by check_release."""

from __future__ import annotations

import httpx
import pytest

from bot.errors import OutcomeUnknown, ProviderRefused
from bot.providers.azure import AzureProvider
from tests.fakes import Sleeps, StaticProgress
from tests.providers.azure import US_TOLLFREE, make_azure
from tests.providers.azure_wire import AzureWire
from tests.providers.contract import Account


async def test_release_follows_its_operation_and_saves_it_first(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    account.own(US_TOLLFREE)
    progress = StaticProgress()
    await azure.release(US_TOLLFREE.e164, progress)
    assert progress.state["release_operation"].startswith("release_")
    assert account.owned == {}
    assert wire.routes["operation"].call_count == 3


async def test_a_failed_release_keeps_the_number_with_azure_reason(
    azure: AzureProvider, wire: AzureWire, account: Account
) -> None:
    account.own(US_TOLLFREE)
    wire.release_mode = "failed"
    progress = StaticProgress()
    with pytest.raises(ProviderRefused, match=r"could not release \+18885550100: The number is assigned to a Teams"):
        await azure.release(US_TOLLFREE.e164, progress)
    assert await azure.check_release(US_TOLLFREE.e164, progress) is False


async def test_a_release_still_running_is_resumed_by_check_release(
    wire: AzureWire, account: Account, sleeps: Sleeps
) -> None:
    account.own(US_TOLLFREE)
    wire.statuses = ["running"]
    progress = StaticProgress()
    async with httpx.AsyncClient(timeout=None) as http:
        azure = make_azure(http, sleeps=sleeps, max_polls=2)
        with pytest.raises(OutcomeUnknown, match="still running"):
            await azure.release(US_TOLLFREE.e164, progress)
        with pytest.raises(OutcomeUnknown):
            await azure.check_release(US_TOLLFREE.e164, progress)
        wire.operations[progress.state["release_operation"]].statuses = ["succeeded"]
        assert await azure.check_release(US_TOLLFREE.e164, progress) is True
    assert wire.routes["release"].call_count == 1
    assert account.owned == {}
