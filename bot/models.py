"""Pydantic models that cross module boundaries.

Money is ``Decimal`` with a currency; an unknown cost is ``None`` and is shown as unknown,
never as 0. Models serialise to JSON for Redis with ``model_dump_json`` (Decimals as
strings, so nothing is rounded on the way).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "ApprovalRef",
    "BalanceCheck",
    "BudgetSettings",
    "Caller",
    "CallerName",
    "Conversion",
    "E911Status",
    "EmergencyAddress",
    "Entry",
    "Feature",
    "Hold",
    "IdleNumber",
    "Money",
    "MonthSpend",
    "NumberType",
    "Offer",
    "Operation",
    "OwnedNumber",
    "PoolEntry",
    "PoolItem",
    "Quote",
    "RateTable",
    "Role",
    "SearchQuery",
    "SmsRouting",
    "Spend",
    "SpendHistory",
    "format_costs",
    "new_id",
    "sum_by_currency",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """An unguessable id for quotes, searches, intents and operations (safe in a Redis key)."""
    return secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Money(Frozen):
    amount: Decimal
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]

    @field_validator("amount")
    @classmethod
    def _finite(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("amount must be finite")
        return value

    def display(self) -> str:
        cents = self.amount.quantize(Decimal("0.01"))
        shown = cents if cents == self.amount else self.amount.normalize()
        return f"{shown:f} {self.currency}"

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)

    @classmethod
    def parse(cls, amount: str | Decimal | int, currency: str) -> Money:
        return cls(amount=Decimal(str(amount)), currency=currency.upper())


def sum_by_currency(amounts: Iterable[Money]) -> dict[str, Money]:
    """Totals per currency: mixed currencies are kept apart, never summed."""
    totals: dict[str, Money] = {}
    for money in amounts:
        totals[money.currency] = totals[money.currency] + money if money.currency in totals else money
    return totals


def show_money(money: Money | None) -> str:
    return money.display() if money is not None else "unknown"


def format_costs(monthly: Money | None, setup: Money | None) -> str:
    return f"{show_money(monthly)}/month · setup {show_money(setup)}"


class Role(StrEnum):
    viewer = "viewer"
    requester = "requester"
    buyer = "buyer"
    approver = "approver"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class NumberType(StrEnum):
    local = "local"
    mobile = "mobile"
    tollfree = "tollfree"


class Feature(StrEnum):
    voice = "voice"
    sms = "sms"
    mms = "mms"


class Caller(Frozen):
    """Who is asking, and where to answer them; built by the Slack handlers.

    `role` is what the one authorization check found (None: no role, which only a request
    that needs none gets past); services read it and never assume one.
    """

    team_id: str
    user_id: str
    channel_id: str | None = None
    response_url: str | None = None
    role: Role | None = None


class SearchQuery(Frozen):
    country: str
    pattern: str | None = None  # digits the national number starts with
    type: NumberType | None = None
    features: frozenset[Feature] = frozenset()
    limit: int = 10


class Offer(Frozen):
    """A number a provider offers for sale, as shown in search results."""

    provider: str
    e164: str
    country: str
    type: NumberType | None = None
    features: frozenset[Feature] = frozenset()
    monthly: Money | None = None
    setup: Money | None = None
    ref: dict[str, str] = Field(default_factory=dict)  # opaque provider data


class Hold(Frozen):
    """What a provider reserved for a quote (e.g. an Azure reservation)."""

    ref: dict[str, str] = Field(default_factory=dict)
    expires_at: datetime | None = None
    note: str | None = None


class BalanceCheck(Frozen):
    """The provider account's credit when a quote was made, and whether the purchase goes over it.

    `confirmed_by` is set by the server when the buyer clicks "buy anyway", never by a button value.
    """

    balance: Money
    at: datetime
    needed: Money | None = None  # what completing the purchase costs now, in the balance's currency
    over: bool = False
    confirmed_by: str | None = None


class Quote(Frozen):
    """A priced offer for one user, stored server-side; buttons carry only its id."""

    id: str
    team_id: str
    user_id: str
    channel_id: str | None = None
    offer: Offer
    hold: Hold | None = None
    accepted_charges: Money | None = None  # charges the user saw and agreed to pay
    approval_reasons: tuple[str, ...] = ()
    created_at: datetime
    expires_at: datetime
    balance: BalanceCheck | None = None  # None: the provider reports no balance

    @property
    def over_balance_unconfirmed(self) -> bool:
        """Over the provider balance and not yet confirmed by the buyer's explicit click."""
        return self.balance is not None and self.balance.over and self.balance.confirmed_by is None

    def charges(self) -> list[Money]:
        """What completing this purchase spends this month (known parts only)."""
        return [m for m in (self.offer.monthly, self.offer.setup, self.accepted_charges) if m is not None]


class EmergencyAddress(Frozen):
    """A US or Canadian service address for emergency (E911) calls, checked before any provider sees it."""

    street_number: str  # digits
    street_name: str
    unit_type: str | None = None  # Suite, Apartment, Floor… (Flowroute's address types)
    unit: str | None = None
    city: str
    state: str  # a US state or a Canadian province or territory, two letters
    postal_code: str  # 98101, or M4C 5K7
    plus_four: str | None = None
    country: Literal["US", "CA"]

    @property
    def street(self) -> str:
        return f"{self.street_number} {self.street_name}"

    @property
    def extended(self) -> str | None:
        return f"{self.unit_type} {self.unit}" if self.unit_type and self.unit else None

    @property
    def zip(self) -> str:
        return f"{self.postal_code}-{self.plus_four}" if self.plus_four else self.postal_code

    def line(self) -> str:
        street = " ".join(p for p in (self.street, self.extended) if p)
        return f"{street}, {self.city}, {self.state} {self.zip}"


class E911Status(Frozen):
    """A number's emergency address as its provider holds it."""

    registered: bool
    address: str | None = None  # one line; None when the provider's answer did not carry it
    state: str | None = None  # the provider's provisioning state (Kazoo: PROVISIONED, GEOCODED…)


class CallerName(Frozen):
    """A number's outbound caller-ID name (CNAM) and its inbound caller-name lookup."""

    name: str | None = None  # None: no name set
    state: Literal["active", "pending", "rejected"] | None = None
    reason: str | None = None  # why the provider rejected the name
    inbound_lookup: bool | None = None  # None: the provider does not say


class OwnedNumber(Frozen):
    """A number as the provider sees it on the account now."""

    provider: str
    e164: str
    country: str | None = None
    type: NumberType | None = None
    features: frozenset[Feature] = frozenset()
    forward_to: str | None = None
    monthly: Money | None = None
    name: str | None = None
    details: dict[str, str] = Field(default_factory=dict)  # extra lines shown by `info`
    e911: E911Status | None = None  # None: the provider does not say (or has no E911)
    cnam: CallerName | None = None  # None: the provider does not say (or has no CNAM)


class PoolEntry(Frozen):
    """A number bought or adopted through the bot (the pool); names live beside it."""

    e164: str
    provider: str
    country: str | None = None
    monthly: Money | None = None
    setup: Money | None = None
    bought_by: str
    bought_at: datetime
    adopted: bool = False
    op_id: str | None = None


class SmsRouting(BaseModel):
    """Where a pool number's SMS are posted, as `list` and `info` show it (the stored route has more)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    channel: str
    private: bool = False


class PoolItem(Frozen):
    """A pool number with what the bot keeps beside it."""

    entry: PoolEntry
    name: str | None = None
    forward_to: str | None = None
    releasing: bool = False
    sms: SmsRouting | None = None


class ApprovalRef(Frozen):
    """Who approved a purchase and where the approval message is (to update it later)."""

    approved_by: str
    channel: str = ""
    ts: str = ""


class Operation(Frozen):
    """A provider change recorded in Redis before the provider is asked (SPEC 4)."""

    id: str
    kind: Literal["purchase", "release"]
    team_id: str
    user_id: str
    e164: str
    provider: str
    quote: Quote | None = None
    channel_id: str | None = None
    response_url: str | None = None
    started_at: datetime
    approval: ApprovalRef | None = None  # an approved purchase
    # Purchases that mark their number first send the buy only once their checkpoint says
    # "marked"; an operation without it (recorded before marks existed) may have sent it.
    mark_first: bool = False
    state: dict[str, Any] = Field(default_factory=dict)  # the provider's checkpoint


# -- money across currencies and the month's spend ----------------------------------


class RateTable(Frozen):
    """Units of each currency per euro on one day (EUR itself is 1)."""

    day: date
    per_euro: dict[str, Decimal]

    def factor(self, source: str, target: str) -> Decimal | None:
        """How many `target` one `source` buys, or None when either has no rate that day."""
        if source == target:
            return Decimal(1)
        a, b = self.per_euro.get(source), self.per_euro.get(target)
        if a is None or b is None or a == 0:
            return None
        return b / a


class Conversion(Frozen):
    """An amount in another currency, and the ECB day its rate is from."""

    money: Money
    day: date


class BudgetSettings(Frozen):
    currency: str  # the team's accounting currency
    budget: Money | None = None  # per calendar month, in `currency`
    auto_approve: Money | None = None  # per purchase (monthly cost), in `currency`


class Entry(Frozen):
    """One purchase's spend (or what a purchase in flight holds), in its own currencies."""

    provider: str = ""  # "" for entries recorded before providers were kept
    charges: tuple[Money, ...] = ()


class MonthSpend(Frozen):
    month: str
    spent: tuple[Entry, ...] = ()
    held: tuple[Entry, ...] = ()  # reserved by purchases in flight

    @property
    def totals(self) -> dict[str, Money]:
        """What was spent, per original currency."""
        return sum_by_currency([m for e in self.spent for m in e.charges])

    @property
    def unknown(self) -> int:
        return sum(1 for e in self.spent if not e.charges)

    @property
    def in_flight(self) -> int:
        return len(self.held)


class Spend(Frozen):
    """The team's settings, this month's spend and holds, and the rates to convert them with."""

    settings: BudgetSettings
    month: MonthSpend
    rates: RateTable

    @property
    def currency(self) -> str:
        return self.settings.currency

    def convert(self, money: Money) -> Money | None:
        """`money` in the team currency, or None when the ECB has no rate for its currency."""
        factor = self.rates.factor(money.currency, self.currency)
        if factor is None:
            return None
        return money if factor == 1 else Money(amount=money.amount * factor, currency=self.currency)

    def total(self, amounts: list[Money]) -> Money | None:
        """The sum in the team currency; None when any amount cannot be converted."""
        converted = [self.convert(m) for m in amounts]
        if any(c is None for c in converted):
            return None
        return Money(amount=sum((c.amount for c in converted if c), Decimal(0)), currency=self.currency)

    def no_rate(self, amounts: list[Money]) -> list[str]:
        return sorted({m.currency for m in amounts if self.rates.factor(m.currency, self.currency) is None})

    @property
    def spent(self) -> Money | None:
        return self.total([m for e in self.month.spent for m in e.charges])

    @property
    def held(self) -> Money | None:
        return self.total([m for e in self.month.held for m in e.charges])

    def by_provider(self) -> dict[str, tuple[Money | None, int]]:
        """Per provider: the known spend in the team currency (None: no rate), and how many
        purchases had no known cost."""
        charges: dict[str, list[Money]] = {}
        unknown: dict[str, int] = {}
        for entry in self.month.spent:
            name = entry.provider or "earlier purchases"
            charges.setdefault(name, []).extend(entry.charges)
            unknown[name] = unknown.get(name, 0) + (0 if entry.charges else 1)
        return {name: (self.total(charges[name]), unknown[name]) for name in sorted(charges)}

    def after(self, charges: list[Money]) -> Money | None:
        """Spent + held by purchases in flight + these charges, in the team currency."""
        amounts = [m for e in (*self.month.spent, *self.month.held) for m in e.charges]
        return self.total([*amounts, *charges])


class SpendHistory(Frozen):
    """Spend per provider over consecutive months in the team currency: the chart's figures.

    Amounts that could not be converted (no ECB rate) or whose cost is unknown are left out,
    and counted, so the chart never shows a guess."""

    currency: str
    months: tuple[str, ...]  # YYYY-MM, oldest first
    series: dict[str, tuple[Decimal, ...]]  # provider → spend in each month
    no_rate: tuple[str, ...] = ()  # currencies left out
    unknown: int = 0  # purchases of unknown cost left out

    @property
    def totals(self) -> tuple[Decimal, ...]:
        return tuple(sum((s[i] for s in self.series.values()), Decimal(0)) for i in range(len(self.months)))

    def describe(self) -> str:
        """The figures in words (the chart's alt text: what a screen reader says)."""
        months = "; ".join(
            f"{month}: {total:.2f}" + "".join(f", {p} {v[i]:.2f}" for p, v in self.series.items() if v[i])
            for i, (month, total) in enumerate(zip(self.months, self.totals, strict=True))
        )
        return f"Spend per provider by month, in {self.currency}. {months}."[:2000]


class IdleNumber(Frozen):
    """A pool number with no forwarding and no SMS routing: a candidate for release."""

    item: PoolItem
    converted: Money | None = None  # its monthly cost in the team currency (None: unknown or no rate)
