"""Azure numbers have no call forwarding: said clearly, nothing sent."""

from __future__ import annotations

import pytest

from bot.errors import NotSupported
from bot.providers.azure import AzureProvider
from tests.providers.azure_wire import AzureWire
from tests.providers.contract import london


async def test_forward_is_not_supported(azure: AzureProvider, wire: AzureWire) -> None:
    with pytest.raises(NotSupported, match="Azure numbers have no call forwarding"):
        await azure.forward(london(1), "+447400123456")
    assert AzureProvider.capabilities.forward is False
    assert not wire.router.calls
