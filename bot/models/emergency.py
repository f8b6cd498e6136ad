"""Emergency addresses and caller-ID names: checked before a provider sees them, and as it holds them."""

from __future__ import annotations

from typing import Literal

from bot.models.base import Frozen

__all__ = ["CallerName", "E911Status", "EmergencyAddress"]


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
