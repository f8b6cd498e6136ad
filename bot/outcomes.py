"""What services answer with: models of what happened, rendered by `bot.blocks`.

A service never builds Block Kit or chooses how Slack places a message; it says what
happened here, and `bot.blocks.render` turns that into a `Reply`. Fields hold data (ids,
numbers, amounts, user ids, provider reasons), never mrkdwn.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from bot.audit import AuditEntry
from bot.models import (
    CallerName,
    E911Status,
    Frozen,
    IdleNumber,
    Money,
    Offer,
    OwnedNumber,
    PoolItem,
    Quote,
    RateTable,
    Role,
    SearchQuery,
    Spend,
    SpendHistory,
)

__all__ = [
    "Activity",
    "Adopted",
    "ApprovalClosed",
    "ApprovalDecision",
    "ApprovalRequest",
    "ApprovalRequested",
    "AuditExport",
    "AuditLatest",
    "Bought",
    "BudgetStatus",
    "CallerIdAnswer",
    "DenyForm",
    "EmergencyAnswer",
    "Forwarded",
    "Granted",
    "Help",
    "HomeView",
    "MonthlyReport",
    "Named",
    "NumberInfo",
    "NumberTaken",
    "Outcome",
    "PoolPage",
    "PoolRow",
    "PurchaseFailed",
    "PurchasePending",
    "PurchaseResult",
    "QuoteCancelled",
    "Quoted",
    "ReleaseCancelled",
    "ReleaseFailed",
    "ReleasePending",
    "ReleasePrompt",
    "Released",
    "Releasing",
    "RequesterNotice",
    "Requoted",
    "Revoked",
    "RoleList",
    "SearchForm",
    "SearchResults",
    "Searching",
    "Sheet",
    "SmsExpired",
    "SmsPost",
    "SmsRevealed",
    "SmsRouted",
    "SmsSent",
    "SmsStuck",
    "SmsUnrouted",
    "Spend",
]


class Outcome(Frozen):
    """Every service answer; `simulated` names the providers whose effects are not real."""

    simulated: frozenset[str] = frozenset()


# -- help, search ---------------------------------------------------------------------


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


# -- purchases ------------------------------------------------------------------------


class Quoted(Outcome):
    """A fresh confirmation, as a new message (the search results stay for other picks)."""

    quote: Quote
    spend: Spend


class Requoted(Outcome):
    """The confirmation again, in place: approval became necessary, or the provider asked for
    charges (`quote.accepted_charges`, with the provider's `charges_detail`)."""

    status: ClassVar[str] = "charges"
    quote: Quote
    spend: Spend
    charges_detail: str | None = None


class QuoteCancelled(Outcome):
    e164: str
    unhold_error: str | None = None


class Bought(Outcome):
    status: ClassVar[str] = "bought"
    quote: Quote
    owned: OwnedNumber | None
    buyer: str


class PurchaseFailed(Outcome):
    status: ClassVar[str] = "failed"
    quote: Quote
    reason: str


class PurchasePending(Outcome):
    status: ClassVar[str] = "pending"
    quote: Quote
    message: str


class NumberTaken(Outcome):
    """Another operation on the same provider account is buying, or bought, this number."""

    status: ClassVar[str] = "taken"
    quote: Quote
    holder: str  # the user who is buying or bought it
    bought: bool


PurchaseResult = Bought | PurchaseFailed | PurchasePending | Requoted | NumberTaken


# -- approvals ------------------------------------------------------------------------


class ApprovalRequest(Outcome):
    """The request in the approvals channel; `approved_*` when charges came after an approval."""

    quote: Quote
    spend: Spend
    approved_by: str | None = None
    approved_at: datetime | None = None


class ApprovalRequested(Outcome):
    channel: str
    e164: str
    provider: str


class ApprovalDecision(Frozen):
    """A decision on a request and, once approved, how the purchase went (None: still buying)."""

    quote: Quote
    decision: Literal["approved", "denied", "expired"]
    by: str | None = None
    at: datetime | None = None
    purchase: PurchaseResult | None = None
    error: str | None = None  # approved, but the purchase could not start
    reason: str = ""  # a denial's reason, as typed


class ApprovalClosed(Outcome):
    """The approval message after a decision."""

    decision: ApprovalDecision


class RequesterNotice(Outcome):
    """What the requester is told about their request."""

    decision: ApprovalDecision


class DenyForm(Outcome):
    quote: Quote


# -- releases -------------------------------------------------------------------------


class ReleasePrompt(Outcome):
    e164: str
    provider: str
    intent_id: str
    name: str | None = None


class ReleaseCancelled(Outcome):
    e164: str


class Releasing(Outcome):
    e164: str
    provider: str


class Released(Outcome):
    e164: str
    provider: str


class ReleaseFailed(Outcome):
    e164: str
    reason: str


class ReleasePending(Outcome):
    e164: str
    provider: str


# -- the pool -------------------------------------------------------------------------


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


# -- the Home tab and the monthly report ----------------------------------------------


class Activity(Frozen):
    """One of the user's own recent purchases or approval requests, and where it stands."""

    at: datetime
    action: Literal["buy", "request"]
    number: str
    provider: str
    cost: str = ""
    outcome: str = ""  # buy: bought, failed…; request: pending, approved, denied, expired
    by: str = ""  # who decided a request


class HomeView(Outcome):
    """One user's Home tab. Without a role it is the help, which says how to get one."""

    user_id: str
    role: Role | None
    at: datetime
    help: Help | None = None
    pool_total: int = 0
    by_provider: dict[str, int] = Field(default_factory=dict)
    by_country: dict[str, int] = Field(default_factory=dict)
    by_type: dict[str, int] = Field(default_factory=dict)
    idle: tuple[IdleNumber, ...] = ()  # most expensive first
    approvals: tuple[Quote, ...] = ()  # requests this user may decide, soonest expiry first
    spend: Spend | None = None
    history: SpendHistory | None = None
    chart_file: str | None = None  # the uploaded chart (Slack file id), None while there is none
    chart_at: datetime | None = None
    mine: tuple[Activity, ...] = ()
    expanded: str | None = None  # the section shown in full
    notice: str | None = None  # what the user's last click here did (rendered text)


class MonthlyReport(Outcome):
    month: str
    spend: Spend
    added: tuple[AuditEntry, ...] = ()
    released: tuple[AuditEntry, ...] = ()
    idle: tuple[IdleNumber, ...] = ()
    pool_total: int = 0
    history: SpendHistory | None = None


class Sheet(Outcome):
    """A modal opened from the Home tab: `content` once known, `error` if it could not be."""

    title: str
    content: Outcome | None = None
    error: str | None = None


# -- administration -------------------------------------------------------------------


class RoleList(Outcome):
    members: dict[str, Role]
    bootstrap: frozenset[str]


class Granted(Outcome):
    user_id: str
    role: Role


class Revoked(Outcome):
    user_id: str
    previous: Role | None


class AuditLatest(Outcome):
    entries: tuple[AuditEntry, ...]


class AuditExport(Outcome):
    entries: int
    csv: str
    filename: str


class BudgetStatus(Outcome):
    spend: Spend
    changed: bool = False
    details: bool = False  # also the spend in its original currencies
    note: str | None = None  # e.g. the auto-approve limit converted into a new team currency


# -- emergency addresses and caller-ID names ------------------------------------------


class EmergencyAnswer(Outcome):
    """`e911`: a number's emergency address, as shown, set or removed at its provider."""

    e164: str
    provider: str
    status: E911Status
    change: Literal["shown", "set", "removed"] = "shown"


class CallerIdAnswer(Outcome):
    """`cnam`: a number's caller-ID name and inbound lookup, as shown or changed at its provider."""

    e164: str
    provider: str
    status: CallerName
    change: Literal["shown", "set", "removed", "lookup"] = "shown"
    lookup: bool = False  # the provider can switch inbound caller-name lookup


# -- text messages --------------------------------------------------------------------


class SmsRouted(Outcome):
    """A number's SMS now go to `channel`; `setup` is what the deployment must still do (Azure)."""

    e164: str
    provider: str
    channel: str
    private: bool
    reveal_seconds: int
    notes: tuple[str, ...] = ()
    setup: str | None = None
    webhook_url: str | None = None  # shown to the buyer alone, to configure where the provider cannot be told


class SmsUnrouted(Outcome):
    e164: str
    provider: str
    was: str | None  # the channel it went to; None: it was not routed
    notes: tuple[str, ...] = ()


class SmsSent(Outcome):
    e164: str
    destination: str
    provider: str
    message_ids: tuple[str, ...]
    price: Money | None = None
    characters: int


class SmsStuck(Outcome):
    """Slack refuses the posts of a number's SMS into its channel (told to whoever routed it)."""

    e164: str
    channel: str
    error: str  # Slack's error code: `is_archived`, `channel_not_found`, `not_in_channel`…


class SmsPost(Outcome):
    """A received SMS as posted in its channel: with its text, or (private) with View message."""

    sms_id: str
    e164: str
    name: str | None = None
    sender: str
    received_at: datetime
    provider: str
    text: str | None = None  # None: private (or its text is gone)
    private: bool = False
    expires_at: datetime | None = None  # when a private text stops being revealable
    expired: bool = False


class SmsRevealed(Outcome):
    """A private SMS's text, shown to the one who clicked View message."""

    post: SmsPost
    text: str
    code: str | None = None


class SmsExpired(Outcome):
    """View message after the text was dropped: the post again, saying it expired."""

    post: SmsPost
