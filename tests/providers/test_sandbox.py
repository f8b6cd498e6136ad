"""The sandbox carrier: deterministic, valid numbers; its account lives in Redis."""

from __future__ import annotations

import phonenumbers
import pytest
from redis.asyncio import Redis

from bot.errors import ProviderRefused
from bot.models import Feature, NumberType, SearchQuery
from bot.providers.base import Order
from bot.providers.sandbox import SandboxProvider, generate, sandbox_countries
from tests.fakes import StaticProgress

EXPECTED_TYPES = {
    NumberType.local: {phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE},
    NumberType.mobile: {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE},
    NumberType.tollfree: {phonenumbers.PhoneNumberType.TOLL_FREE},
}


@pytest.mark.parametrize("country", sandbox_countries())
@pytest.mark.parametrize("number_type", list(NumberType))
def test_generated_numbers_are_valid_for_country_and_type(country: str, number_type: NumberType) -> None:
    offers = generate(country, number_type, None)
    assert len(offers) >= 10
    for o in offers:
        parsed = phonenumbers.parse(o.e164, None)
        assert phonenumbers.is_valid_number(parsed), o.e164
        assert phonenumbers.region_code_for_number(parsed) == country
        assert phonenumbers.number_type(parsed) in EXPECTED_TYPES[number_type]
        assert o.monthly is not None
        assert o.setup is not None
        assert o.monthly.amount > 0


def test_generation_is_deterministic_across_processes() -> None:
    assert generate("GB", NumberType.local, "20") == generate("GB", NumberType.local, "20")


async def test_search_filters_by_pattern_and_features(redis: Redis) -> None:
    sandbox = SandboxProvider(redis)
    offers = await sandbox.search(SearchQuery(country="US", pattern="206", features=frozenset({Feature.mms}), limit=20))
    assert offers
    assert all(o.e164.startswith("+1206") and Feature.mms in o.features for o in offers)
    assert all(o.type is NumberType.mobile for o in offers)  # only mobiles carry MMS here


async def test_buy_moves_the_number_to_the_account_once(redis: Redis) -> None:
    sandbox = SandboxProvider(redis)
    (offer,) = await sandbox.search(SearchQuery(country="NL", type=NumberType.mobile, limit=1))
    owned = await sandbox.buy(Order(op_id="1", offer=offer), StaticProgress())
    assert owned.e164 == offer.e164
    assert await sandbox.get(offer.e164) is not None
    with pytest.raises(ProviderRefused, match="already on the sandbox account"):
        await sandbox.buy(Order(op_id="2", offer=offer), StaticProgress())
    again = await sandbox.search(SearchQuery(country="NL", type=NumberType.mobile, limit=20))
    assert offer.e164 not in {o.e164 for o in again}, "a sold number is no longer for sale"


async def test_forward_list_and_release(redis: Redis) -> None:
    sandbox = SandboxProvider(redis)
    (offer,) = await sandbox.search(SearchQuery(country="FR", limit=1))
    await sandbox.buy(Order(op_id="1", offer=offer), StaticProgress())
    await sandbox.forward(offer.e164, "+447400123456")
    (listed,) = await sandbox.list()
    assert listed.forward_to == "+447400123456"
    await sandbox.release(offer.e164, StaticProgress())
    assert await sandbox.get(offer.e164) is None
    assert await sandbox.check_release(offer.e164, StaticProgress()) is True
    await sandbox.release(offer.e164, StaticProgress())  # already gone counts as released
    with pytest.raises(ProviderRefused, match="not on the sandbox account"):
        await sandbox.forward(offer.e164, "+447400123456")


async def test_every_sandbox_message_says_sandbox(redis: Redis) -> None:
    sandbox = SandboxProvider(redis)
    (offer,) = await sandbox.search(SearchQuery(country="DE", limit=1))
    await sandbox.buy(Order(op_id="1", offer=offer), StaticProgress())
    with pytest.raises(ProviderRefused) as info:
        await sandbox.buy(Order(op_id="2", offer=offer), StaticProgress())
    assert "sandbox" in info.value.user_message
