"""The typed commands `/number` understands and their usage lines.

Each command names its row in the access table (`key`); what that row requires is declared
once, in bot/access.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from bot.models import EmergencyAddress, Frozen, Role, SearchQuery

__all__ = [
    "MAX_AUDIT",
    "MAX_LIMIT",
    "MAX_NAME",
    "MAX_SMS",
    "USAGE",
    "Adopt",
    "Amount",
    "Audit",
    "AuditExport",
    "Budget",
    "CallerId",
    "Command",
    "Emergency",
    "Forward",
    "Grant",
    "Help",
    "Info",
    "List",
    "Name",
    "OpenSearch",
    "Release",
    "Revoke",
    "Roles",
    "Search",
    "SendSms",
    "SmsTo",
]

MAX_LIMIT = 20
MAX_AUDIT = 50
MAX_NAME = 60
MAX_SMS = 640  # characters of a test SMS (four or five parts)

USAGE: dict[str, str] = {
    "help": "/number help",
    "search": (
        "/number search <CC> [PATTERN] [--provider P] [--type local|mobile|tollfree] "
        f"[--features sms,voice,mms] [--limit 1-{MAX_LIMIT}] — e.g. /number search GB 20 --type local"
    ),
    "list": "/number list [--provider P]",
    "info": "/number info <NUMBER> — e.g. /number info +442079460123",
    "name": "/number name <NUMBER> <friendly name> — e.g. /number name +442079460123 Support line",
    "forward": "/number forward <NUMBER> <DESTINATION> — e.g. /number forward +442079460123 +447400123456",
    "release": "/number release <NUMBER>",
    "adopt": "/number adopt <NUMBER> --provider P",
    "roles": "/number roles",
    "grant": "/number grant <@user> <viewer|requester|buyer|approver|admin>",
    "revoke": "/number revoke <@user>",
    "audit": f"/number audit [1-{MAX_AUDIT}] | /number audit export (CSV, admins)",
    "budget": (
        "/number budget [AMOUNT [CUR]|off] [--auto-approve AMOUNT|off] [details] — "
        "e.g. /number budget 500 EUR (EUR becomes the team currency)"
    ),
    "e911": (
        "/number e911 <NUMBER> [<street>, <city>, <state> <zip> | off] — "
        "e.g. /number e911 +12065550123 1182 3rd Ave Suite 600, Seattle, WA 98101"
    ),
    "cnam": (
        "/number cnam <NUMBER> [<NAME> | off | lookup on|off] — a name is at most 15 letters, digits, "
        "spaces and - _ . , @ + & ' / \", e.g. /number cnam +12065550123 ACME SUPPORT"
    ),
    "sms-to": (
        "/number sms-to <NUMBER> <#channel|off> [--private] — e.g. /number sms-to +442079460123 #ops-sms --private"
    ),
    "sms": "/number sms <NUMBER> <DESTINATION> <text…> — e.g. /number sms +442079460123 +447400123456 hello",
}


@dataclass(frozen=True, slots=True)
class Command:
    name: ClassVar[str]

    @property
    def key(self) -> str:
        """This command's row in the access table (bot.access.NEEDS)."""
        return self.name


@dataclass(frozen=True, slots=True)
class Help(Command):
    name = "help"


@dataclass(frozen=True, slots=True)
class OpenSearch(Command):
    """Bare `/number`: open the search modal."""

    name = "open"


@dataclass(frozen=True, slots=True)
class Search(Command):
    name = "search"
    query: SearchQuery
    provider: str | None = None


@dataclass(frozen=True, slots=True)
class List(Command):
    name = "list"
    provider: str | None = None


@dataclass(frozen=True, slots=True)
class Info(Command):
    name = "info"
    e164: str


@dataclass(frozen=True, slots=True)
class Name(Command):
    name = "name"
    e164: str
    label: str


@dataclass(frozen=True, slots=True)
class Forward(Command):
    name = "forward"
    e164: str
    destination: str


@dataclass(frozen=True, slots=True)
class Release(Command):
    name = "release"
    e164: str


@dataclass(frozen=True, slots=True)
class Adopt(Command):
    name = "adopt"
    e164: str
    provider: str


@dataclass(frozen=True, slots=True)
class Roles(Command):
    name = "roles"


@dataclass(frozen=True, slots=True)
class Grant(Command):
    name = "grant"
    user_id: str
    role: Role


@dataclass(frozen=True, slots=True)
class Revoke(Command):
    name = "revoke"
    user_id: str


@dataclass(frozen=True, slots=True)
class Audit(Command):
    name = "audit"
    count: int = 10


@dataclass(frozen=True, slots=True)
class AuditExport(Command):
    name = "audit"

    @property
    def key(self) -> str:
        return "audit export"


class Amount(Frozen):
    """An amount as typed: its currency only when one was given (else the team's)."""

    value: Decimal
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class Budget(Command):
    """Read the budget (viewer), or set it (admin). `None` leaves a value as it is.

    A currency given with the budget also makes it the team's accounting currency.
    """

    name = "budget"
    budget: Amount | None = None
    auto_approve: Amount | None = None
    clear_budget: bool = False
    clear_auto_approve: bool = False
    details: bool = False  # spend in its original currencies too

    @property
    def changes(self) -> bool:
        return bool(self.budget or self.auto_approve or self.clear_budget or self.clear_auto_approve)

    @property
    def key(self) -> str:
        return "budget set" if self.changes else "budget"


@dataclass(frozen=True, slots=True)
class Emergency(Command):
    """`e911 <NUMBER>` shows the emergency address; with an address sets it; `off` removes it."""

    name = "e911"
    e164: str
    address: EmergencyAddress | None = None
    off: bool = False


@dataclass(frozen=True, slots=True)
class CallerId(Command):
    """`cnam <NUMBER>` shows the caller-ID name; with a name sets it; `off` removes it;
    `lookup on|off` switches inbound caller-name lookup."""

    name = "cnam"
    e164: str
    caller_name: str | None = None
    off: bool = False
    lookup: bool | None = None


@dataclass(frozen=True, slots=True)
class SmsTo(Command):
    """Post every SMS the number receives into `channel` (None: stop); `private`: sender and time only."""

    name = "sms-to"
    e164: str
    channel: str | None
    private: bool = False


@dataclass(frozen=True, slots=True)
class SendSms(Command):
    """A test SMS from a pool number; `text` is what the user meant (Slack's escaping undone)."""

    name = "sms"
    e164: str
    destination: str
    text: str
