"""What `help` and `search` answer: the help, the search form, and pages of a stored search."""

from __future__ import annotations

from pydantic import Field

from bot.models import Offer, RateTable, Role, SearchQuery
from bot.outcomes.base import Outcome

__all__ = ["Help", "SearchForm", "SearchResults", "Searching"]


class Help(Outcome):
    role: Role | None
    usable: tuple[str, ...]  # subcommands this caller may use, in the order shown
    admins: tuple[str, ...]


class Searching(Outcome):
    country: str
    providers: tuple[str, ...]


class SearchForm(Outcome):
    providers: tuple[str, ...]
    channel_id: str | None


class SearchResults(Outcome):
    """One page of a stored search; `offers` are that page's, the counts are the whole search's."""

    query: SearchQuery
    offers: tuple[Offer, ...]
    notes: tuple[str, ...]
    search_id: str
    page: int = 0
    total: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    currency: str = "USD"
    rates: RateTable | None = None
    turned: bool = False  # a Previous/Next click: the page replaces the one shown

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.limit))

    @property
    def first(self) -> int:
        """The index in the stored search of this page's first offer (what Buy buttons name)."""
        return self.page * self.query.limit
