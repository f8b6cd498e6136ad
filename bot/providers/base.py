"""The provider protocol every adapter implements, and the defaults most of them share.

An adapter is one module that declares its name, label and capabilities and implements the
methods below against its provider's wire protocol. Nothing provider-specific leaves it:
errors are mapped into ``bot.errors`` at its edge, and provider state a long operation
needs after a restart goes through ``Progress.save`` into the operation journal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, runtime_checkable

from bot.errors import NotSupported
from bot.models import (
    CallerName,
    E911Status,
    EmergencyAddress,
    Frozen,
    Hold,
    Money,
    NumberType,
    Offer,
    OwnedNumber,
    SearchQuery,
)
from bot.sms_models import SentSms, SmsWebhook, WebhookRequest

__all__ = [
    "BaseProvider",
    "Capabilities",
    "NumberProvider",
    "Order",
    "Progress",
    "account_digest",
    "lacks",
]


class Capabilities(Frozen):
    """What an adapter supports, so the bot can say so instead of failing."""

    countries: frozenset[str] | None = None  # None: any country the provider sells
    types: frozenset[NumberType] = frozenset(NumberType)
    pattern: bool = True
    features_filter: bool = True
    forward: bool = True
    release: bool = True
    rename: bool = False  # friendly names are pushed to the provider too
    monthly_cost: bool = True
    setup_cost: bool = True
    hold: bool = False  # Buy reserves the number at the provider until the quote expires
    simulated: bool = False  # nothing real happens (the sandbox): every message says so
    e911: bool = False  # emergency addresses can be read, set and removed
    cnam: bool = False  # an outbound caller-ID name can be read, set and removed
    cnam_lookup: bool = False  # inbound caller-name lookup can be switched on and off
    balance: bool = False  # the account's remaining credit can be read
    sms_in: bool = False  # a number's inbound SMS can be sent to the bot's webhook
    sms_out: bool = False  # a pool number can send an SMS
    sms_manual: bool = False  # the deployment points the provider at the webhook (the bot shows the URL)


class Order(Frozen):
    """What the user confirmed: one number, at the quote's price, with charges they saw."""

    op_id: str
    offer: Offer
    hold: Hold | None = None
    accepted_charges: Money | None = None


class Progress(Protocol):
    """Checkpoint of a long provider operation, persisted before waiting on it."""

    @property
    def state(self) -> Mapping[str, Any]: ...

    async def save(self, **values: Any) -> None: ...


_LACKS = {
    "e911": "{label} has no emergency (E911) addresses the bot can manage; register the address in {label}'s portal",
    "cnam": "{label} has no caller-ID name (CNAM) the bot can set",
    "cnam_lookup": "{label} has no inbound caller-name lookup the bot can switch",
    "balance": "{label} does not report the account's balance",
}


def lacks(label: str, feature: str) -> NotSupported:
    """The one line saying a provider lacks an optional feature (a Capabilities flag's name)."""
    return NotSupported(label, _LACKS[feature].format(label=label))


def account_digest(*parts: str) -> str:
    """A provider account's identity for Redis keys: stable, short, and revealing no key."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


@runtime_checkable
class NumberProvider(Protocol):
    name: str
    label: str
    capabilities: Capabilities
    sms_missing: str  # why SMS cannot be routed or sent for its numbers ("{label}" is filled in)

    @property
    def account(self) -> str:
        """Which provider account this adapter acts on: two teams (or two bots) using one
        account share it, so a number is bought by one operation at a time per account."""

    async def search(self, query: SearchQuery) -> list[Offer]:
        """Numbers for sale; prices as Decimal Money, None where the provider gives none."""

    async def hold(self, offer: Offer) -> Hold | None:
        """Reserve the offer while the user decides (None when the provider has no holds)."""

    async def unhold(self, hold: Hold) -> None:
        """Give a reservation back (the user cancelled)."""

    async def buy(self, order: Order, progress: Progress) -> OwnedNumber:
        """Buy exactly this number. ProviderRefused: it did not happen; OutcomeUnknown:
        it may have; ChargesRequired: the user must see and accept charges first."""

    async def check_purchase(self, order: Order, progress: Progress) -> OwnedNumber | None:
        """After a crash or an ambiguous answer: does the account own it now? Never buys."""

    async def list(self) -> list[OwnedNumber]:
        """Every number on the account, all pages."""

    async def get(self, e164: str) -> OwnedNumber | None:
        """One number on the account, or None when the account does not have it."""

    async def forward(self, e164: str, destination: str) -> None:
        """Route inbound calls to `destination` (E.164) through the provider's mechanism."""

    async def rename(self, e164: str, name: str) -> None:
        """Push a friendly name to the provider (only when capabilities.rename)."""

    async def release(self, e164: str, progress: Progress) -> None:
        """Give the number back. Already gone from the account counts as released."""

    async def e911(self, e164: str) -> E911Status:
        """The number's emergency address (only when capabilities.e911)."""

    async def set_e911(self, e164: str, address: EmergencyAddress, caller_name: str | None) -> E911Status:
        """Validate `address` at the provider, then attach it; ProviderRefused when it is not valid.
        `caller_name` (the number's friendly name, if any) is who emergency services are told calls."""

    async def clear_e911(self, e164: str) -> None:
        """Detach the number's emergency address (none attached: nothing to do)."""

    async def cnam(self, e164: str) -> CallerName:
        """The number's caller-ID name and inbound lookup (only when capabilities.cnam)."""

    async def set_cnam(self, e164: str, name: str) -> CallerName:
        """Ask for `name` as the number's caller-ID name; safe to repeat (a pending name is
        attached once the provider approved it)."""

    async def clear_cnam(self, e164: str) -> None:
        """Remove the number's caller-ID name."""

    async def set_cnam_lookup(self, e164: str, enabled: bool) -> None:
        """Switch inbound caller-name lookup (only when capabilities.cnam_lookup)."""

    async def balance(self) -> Money:
        """The account's remaining credit (only when capabilities.balance)."""

    async def check_release(self, e164: str, progress: Progress) -> bool:
        """After a crash or an ambiguous answer: True when the account no longer has it."""

    async def aclose(self) -> None:
        """Release resources the adapter owns (the shared HTTP client is not one)."""

    @property
    def webhook_signed(self) -> bool:
        """True when the provider signs its webhooks and the bot checks the signature (no URL token)."""

    async def route_sms(self, e164: str, url: str | None) -> str | None:
        """Send the number's inbound SMS to `url` (None: stop), keeping its other settings; a note
        for the user when something is left to do (only when capabilities.sms_in)."""

    async def send_sms(self, e164: str, destination: str, text: str) -> SentSms:
        """Send `text` from the pool number to `destination` once (only when capabilities.sms_out)."""

    def read_sms_webhook(self, request: WebhookRequest) -> SmsWebhook:
        """The provider's inbound SMS webhook as models (its signature checked where it signs);
        WebhookRefused when it is malformed or its signature does not match."""


class BaseProvider:
    """Defaults for adapters: no holds, ownership checks through `get`, no rename.

    `owned_now` is the hook settling a buy relies on (bot.providers.settle.settle_buy) and
    `check_purchase` answers with: override it where owning differs from `get` (Kazoo).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    capabilities: ClassVar[Capabilities] = Capabilities()

    @property
    def account(self) -> str:
        """Adapters with credentials override this with a digest of where and who they are."""
        return account_digest(self.name)

    async def hold(self, offer: Offer) -> Hold | None:
        return None

    async def unhold(self, hold: Hold) -> None:
        return None

    async def owned_now(self, offer: Offer) -> OwnedNumber | None:
        """Whether a buy of `offer` got the number: the account's record of it, or None."""
        return await self.get(offer.e164)

    async def check_purchase(self, order: Order, progress: Progress) -> OwnedNumber | None:
        return await self.owned_now(order.offer)

    async def check_release(self, e164: str, progress: Progress) -> bool:
        return await self.get(e164) is None

    async def forward(self, e164: str, destination: str) -> None:
        raise NotSupported(self.label, f"{self.label} numbers cannot be forwarded through the bot")

    async def rename(self, e164: str, name: str) -> None:
        return None

    async def release(self, e164: str, progress: Progress) -> None:
        raise NotSupported(self.label, f"{self.label} does not let the bot release numbers")

    async def e911(self, e164: str) -> E911Status:
        raise lacks(self.label, "e911")

    async def set_e911(self, e164: str, address: EmergencyAddress, caller_name: str | None) -> E911Status:
        return await self.e911(e164)

    async def clear_e911(self, e164: str) -> None:
        await self.e911(e164)

    async def cnam(self, e164: str) -> CallerName:
        raise lacks(self.label, "cnam")

    async def set_cnam(self, e164: str, name: str) -> CallerName:
        return await self.cnam(e164)

    async def clear_cnam(self, e164: str) -> None:
        await self.cnam(e164)

    async def set_cnam_lookup(self, e164: str, enabled: bool) -> None:
        raise lacks(self.label, "cnam_lookup")

    async def balance(self) -> Money:
        raise lacks(self.label, "balance")

    async def get(self, e164: str) -> OwnedNumber | None:  # pragma: no cover - abstract
        raise NotImplementedError

    #: Why the provider cannot route or send SMS, for the one-line refusal (adapters override).
    sms_missing: ClassVar[str] = "the bot cannot route or send SMS for {label} numbers"

    @property
    def webhook_signed(self) -> bool:
        return False

    async def route_sms(self, e164: str, url: str | None) -> str | None:
        raise NotSupported(self.label, self.sms_missing.format(label=self.label))

    async def send_sms(self, e164: str, destination: str, text: str) -> SentSms:
        raise NotSupported(self.label, self.sms_missing.format(label=self.label))

    def read_sms_webhook(self, request: WebhookRequest) -> SmsWebhook:
        raise NotSupported(self.label, self.sms_missing.format(label=self.label))

    async def aclose(self) -> None:
        return None
