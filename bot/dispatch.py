"""Command → required role → one Redis round trip for the role check → handler.

Parsing is pure (bot.grammar), so bad input costs nothing. The role each command needs is
declared on the command class; the check is one HGET, and nothing else happens, no provider
is called, unless it passes. A handler answers with a ``Step``: what to acknowledge Slack
with now, and the provider work to run after the ack.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot import commands, grammar
from bot.admin import AdminService
from bot.blocks.modal import search_modal
from bot.blocks.search import searching
from bot.errors import InputError, PermissionDenied
from bot.manage import NumberService
from bot.models import Caller, Role
from bot.providers.base import NumberProvider
from bot.releases import ReleaseService
from bot.replies import Reply
from bot.roles import RoleStore
from bot.search import SearchService

__all__ = ["Dispatcher", "Step", "authorize", "denial"]


@dataclass(frozen=True)
class Step:
    """What to acknowledge with now, and the work (if any) that answers later."""

    ack: Reply | None = None
    later: Callable[[], Awaitable[Reply]] | None = None
    modal: dict[str, Any] | None = None


def denial(needed: Role, role: Role | None, what: str, admins: list[str]) -> str:
    who = ", ".join(f"<@{a}>" for a in admins) or "an admin"
    if role is None:
        return f"You have no numberbot role yet, so only `/number help` works. Ask {who} to grant you one."
    return f"{what} needs the {needed.value} role; yours is {role.value}. Ask {who} if you need more."


async def authorize(roles: RoleStore, caller: Caller, needed: Role, what: str) -> Role:
    """The click-time or command-time role check (one Redis round trip)."""
    role = await roles.role_of(caller.team_id, caller.user_id)
    if role is None or not role.allows(needed):
        raise PermissionDenied(denial(needed, role, what, sorted(roles.bootstrap_admins)))
    return role


class Dispatcher:
    def __init__(
        self,
        *,
        providers: Mapping[str, NumberProvider],
        roles: RoleStore,
        search: SearchService,
        numbers: NumberService,
        releases: ReleaseService,
        admin: AdminService,
    ) -> None:
        self.providers = providers
        self.roles = roles
        self.search = search
        self.numbers = numbers
        self.releases = releases
        self.admin = admin

    async def run(self, caller: Caller, text: str) -> Step:
        """Parse, check the role, and hand over. Raises BotError with the user's line."""
        try:
            command = grammar.parse(text, self.providers.keys())
        except InputError as exc:
            return Step(ack=Reply(text=exc.user_message))
        role = await self.roles.role_of(caller.team_id, caller.user_id)
        needed = command.required_role
        if needed is not None and (role is None or not role.allows(needed)):
            what = f"`/number {command.name}`" if command.name != "open" else "Searching"
            raise PermissionDenied(denial(needed, role, what, sorted(self.roles.bootstrap_admins)))
        return await self._handle(caller, role, command)

    async def _handle(self, caller: Caller, role: Role | None, command: commands.Command) -> Step:
        numbers, admin = self.numbers, self.admin
        match command:
            case commands.Help():
                return Step(ack=admin.help(role))
            case commands.OpenSearch():
                return Step(modal=search_modal(sorted(self.providers), caller.channel_id))
            case commands.Search(query=query, provider=only):
                names = [only] if only else sorted(self.providers)
                return Step(ack=searching(query, names), later=lambda: self.search.run(caller, query, only))
            case commands.List(provider=only, page=page):
                return Step(later=lambda: numbers.list_page(caller, provider=only, page=page))
            case commands.Info(e164=e164):
                return Step(later=lambda: numbers.info(caller, e164))
            case commands.Name(e164=e164, label=label):
                return Step(later=lambda: numbers.name(caller, e164, label))
            case commands.Forward(e164=e164, destination=destination):
                return Step(later=lambda: numbers.forward(caller, e164, destination))
            case commands.Adopt(e164=e164, provider=provider):
                return Step(later=lambda: numbers.adopt(caller, e164, provider))
            case commands.Release(e164=e164):
                return Step(ack=await self.releases.prompt(caller, e164))
            case commands.Roles():
                return Step(ack=await admin.list_roles(caller))
            case commands.Grant(user_id=user_id, role=new_role):
                return Step(ack=await admin.grant(caller, user_id, new_role))
            case commands.Revoke(user_id=user_id):
                return Step(ack=await admin.revoke(caller, user_id))
            case commands.Audit(count=count):
                return Step(ack=await admin.show_audit(caller, count))
            case commands.AuditExport():
                return Step(later=lambda: admin.export_audit(caller))
            case commands.Budget():
                return Step(ack=await admin.show_or_set_budget(caller, command))
        raise AssertionError(f"no handler for {command!r}")  # pragma: no cover
