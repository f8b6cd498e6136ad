"""What the pool's commands answer: its numbers joined with what their provider says now."""

from __future__ import annotations

from bot.models import Frozen, OwnedNumber, PoolItem
from bot.outcomes.base import Outcome

__all__ = ["Adopted", "Forwarded", "Named", "NumberInfo", "PoolPage", "PoolRow"]


class PoolRow(Frozen):
    """A pool number joined with what its provider says now."""

    item: PoolItem
    live: OwnedNumber | None = None
    known: bool = False  # False when the provider could not be asked

    @property
    def gone(self) -> bool:
        return self.known and self.live is None

    @property
    def forward_to(self) -> str | None:
        return self.live.forward_to if self.live is not None else self.item.forward_to


class PoolPage(Outcome):
    """One page of the pool: its rows only; `total` numbers in all."""

    rows: tuple[PoolRow, ...]
    page: int
    total: int
    page_size: int = 10
    provider: str | None = None
    notes: tuple[str, ...] = ()
    turned: bool = False  # a Previous/Next click: the page replaces the one shown


class NumberInfo(Outcome):
    row: PoolRow
    note: str | None = None


class Named(Outcome):
    e164: str
    name: str
    provider_note: str | None = None  # why the provider's copy of the name was not updated


class Forwarded(Outcome):
    e164: str
    destination: str
    provider: str


class Adopted(Outcome):
    e164: str
    provider: str
