"""Who may do what: the allow-list in Redis, and the one table of what every request needs.

Every Slack request the app accepts (a `/number` subcommand, a button, a form, an event)
has one row in `NEEDS`; the gate in handlers/middleware.py looks the request up and calls
`authorize` once, before any listener runs. A request with no row is refused. The check is
one Redis round trip, also for BOT_ADMINS users, so an unreachable Redis stops everyone
before anything else happens (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import bot.blocks.ids as ids
from bot import keys
from bot.commands import USAGE
from bot.errors import PermissionDenied
from bot.models import Role

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["NEEDS", "Kind", "Need", "RoleStore", "authorize", "denial", "need_for", "usable_commands"]

Kind = Literal["command", "action", "view", "event"]


@dataclass(frozen=True)
class Need:
    """The role a request needs (None: anyone, even without a role) and how to name it in a refusal."""

    role: Role | None
    what: str


def _command(name: str, role: Role | None) -> tuple[tuple[Kind, str], Need]:
    return ("command", name), Need(role, f"`/number {name.split()[0]}`")


# The order of the commands is the order `/number help` shows them in.
NEEDS: Mapping[tuple[Kind, str], Need] = MappingProxyType(
    dict(
        [
            _command("help", None),
            _command("search", Role.viewer),
            (("command", "open"), Need(Role.viewer, "Searching")),  # bare `/number`: the search form
            _command("list", Role.viewer),
            _command("info", Role.viewer),
            _command("budget", Role.viewer),
            _command("budget set", Role.admin),
            _command("name", Role.buyer),
            _command("forward", Role.buyer),
            _command("sms-to", Role.buyer),
            _command("sms", Role.buyer),
            _command("audit", Role.approver),
            _command("audit export", Role.admin),
            _command("release", Role.admin),
            _command("adopt", Role.admin),
            _command("e911", Role.admin),
            _command("cnam", Role.admin),
            _command("roles", Role.admin),
            _command("grant", Role.admin),
            _command("revoke", Role.admin),
            (("action", ids.BUY), Need(Role.requester, "Buying a number")),
            (("action", ids.CONFIRM), Need(Role.requester, "Confirming a purchase")),
            (("action", ids.CANCEL), Need(Role.requester, "Cancelling a quote")),
            (("action", ids.OVER_BALANCE), Need(Role.requester, "Buying over the provider balance")),
            (("action", ids.REQUEST_APPROVAL), Need(Role.requester, "Requesting approval")),
            (("action", ids.ASK_AGAIN), Need(Role.requester, "Asking for a purchase")),
            (("action", ids.APPROVE), Need(Role.approver, "Approving a purchase")),
            (("action", ids.DENY), Need(Role.approver, "Denying a purchase")),
            (("action", ids.RELEASE), Need(Role.admin, "Releasing a number")),
            (("action", ids.RELEASE_CANCEL), Need(Role.admin, "Cancelling a release")),
            (("action", ids.LIST_PREVIOUS), Need(Role.viewer, "Browsing the pool")),
            (("action", ids.LIST_NEXT), Need(Role.viewer, "Browsing the pool")),
            (("action", ids.LIST_PAGE), Need(Role.viewer, "Browsing the pool")),
            (("action", ids.SEARCH_PREVIOUS), Need(Role.viewer, "Browsing search results")),
            (("action", ids.SEARCH_NEXT), Need(Role.viewer, "Browsing search results")),
            (("action", ids.HOME_APPROVE), Need(Role.approver, "Approving a purchase")),
            (("action", ids.HOME_DENY), Need(Role.approver, "Denying a purchase")),
            (("action", ids.HOME_INFO), Need(Role.viewer, "Looking at a number")),
            (("action", ids.HOME_RELEASE), Need(Role.admin, "Releasing a number")),
            (("action", ids.HOME_SHOW), Need(Role.viewer, "The Home tab")),
            (("action", ids.SMS_REVEAL), Need(Role.viewer, "Viewing a text message")),
            (("view", ids.SEARCH_MODAL), Need(Role.viewer, "Searching")),
            (("view", ids.DENY_MODAL), Need(Role.approver, "Denying a purchase")),
            (("event", "app_home_opened"), Need(None, "The Home tab")),
        ]
    )
)


def need_for(kind: Kind, name: str) -> Need | None:
    """The row for a request, or None: a request the app does not accept."""
    return NEEDS.get((kind, name))


def usable_commands(role: Role | None) -> tuple[str, ...]:
    """The subcommands `help` lists for this role, in the table's order."""
    return tuple(
        name
        for (kind, name), need in NEEDS.items()
        if kind == "command" and name in USAGE and (need.role is None or (role is not None and role.allows(need.role)))
    )


def _role(raw: str | None) -> Role | None:
    try:
        return Role(raw) if raw else None
    except ValueError:
        return None  # an unknown stored value grants nothing


class RoleStore:
    """One role per Slack user per team, plus the BOT_ADMINS bootstrap admins."""

    def __init__(self, redis: RedisClient, *, bootstrap_admins: Iterable[str]) -> None:
        self.redis = redis
        self.bootstrap_admins = frozenset(bootstrap_admins)

    def is_bootstrap_admin(self, user_id: str) -> bool:
        return user_id in self.bootstrap_admins

    async def role_of(self, team_id: str, user_id: str) -> Role | None:
        stored = _role(await self.redis.hget(keys.roles(team_id), user_id))
        return Role.admin if user_id in self.bootstrap_admins else stored

    async def grant(self, team_id: str, user_id: str, role: Role) -> None:
        await self.redis.hset(keys.roles(team_id), user_id, role.value)

    async def revoke(self, team_id: str, user_id: str) -> Role | None:
        key = keys.roles(team_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(key, user_id)
            pipe.hdel(key, user_id)
            previous, _ = await pipe.execute()
        return _role(previous)

    async def all(self, team_id: str) -> dict[str, Role]:
        stored = await self.redis.hgetall(keys.roles(team_id))
        members = {user: role for user, raw in stored.items() if (role := _role(raw)) is not None}
        for admin in self.bootstrap_admins:
            members[admin] = Role.admin
        return dict(sorted(members.items(), key=lambda item: (-item[1].rank, item[0])))


def denial(need: Need, role: Role | None, admins: Iterable[str]) -> str:
    who = ", ".join(f"<@{a}>" for a in sorted(admins)) or "an admin"
    if role is None:
        return f"You have no numberbot role yet, so only `/number help` works. Ask {who} to grant you one."
    assert need.role is not None
    return f"{need.what} needs the {need.role.value} role; yours is {role.value}. Ask {who} if you need more."


async def authorize(roles: RoleStore, team_id: str, user_id: str, need: Need) -> Role | None:
    """The check every request passes once (one Redis round trip); PermissionDenied says why not."""
    role = await roles.role_of(team_id, user_id)
    if need.role is not None and (role is None or not role.allows(need.role)):
        raise PermissionDenied(denial(need, role, roles.bootstrap_admins))
    return role
