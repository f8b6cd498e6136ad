"""Kazoo list and get: only numbers on the account count, and only in service is bought."""

from __future__ import annotations

import httpx
import respx

from bot.providers.kazoo import KazooProvider
from tests.fakes import StaticProgress
from tests.providers.kazoo import US, A, order_for
from tests.providers.kazoo_wire import KazooWire


async def test_a_reserved_number_is_on_the_account_but_not_bought(
    kazoo: KazooProvider, router: respx.MockRouter, wire: KazooWire
) -> None:
    reserved = {"id": US, "state": "reserved", "_read_only": {"state": "reserved"}}
    router.routes.clear()
    wire.mock_auth()
    wire.mock_callflow_reads()
    router.get(f"{A}/phone_numbers/%2B14155550100").mock(return_value=httpx.Response(200, json={"data": reserved}))
    owned = await kazoo.get(US)
    assert owned is not None
    assert owned.details["Kazoo state"] == "reserved"
    assert await kazoo.check_purchase(order_for(), StaticProgress()) is None


async def test_numbers_given_back_are_not_listed(
    kazoo: KazooProvider, router: respx.MockRouter, wire: KazooWire
) -> None:
    numbers = {"+14155550100": {"state": "in_service"}, "+14155550101": {"state": "available"}, "1001": {}}
    router.routes.clear()
    wire.mock_auth()
    wire.mock_callflow_reads()
    router.get(f"{A}/phone_numbers").mock(return_value=httpx.Response(200, json={"data": {"numbers": numbers}}))
    assert [n.e164 for n in await kazoo.list()] == ["+14155550100"]
