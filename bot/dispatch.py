"""Command → the service call that answers it, split into what answers now and what after the ack.

By the time a command gets here the gate (handlers/middleware.py) has parsed it and checked
the caller's role against bot/access.py; the dispatcher only chooses the work. Slack needs
an answer within 3 seconds, so anything that may call a provider runs in `later`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import commands
from bot.admin import AdminService
from bot.emergency import EmergencyService
from bot.models import Caller
from bot.outcomes import Outcome
from bot.pool import PoolService
from bot.releases import ReleaseService
from bot.search import SearchService
from bot.sms import SmsService

__all__ = ["Dispatcher", "Step"]


@dataclass(frozen=True)
class Step:
    """What to acknowledge with now, the work (if any) that answers later, or a form to open."""

    ack: Outcome | None = None
    later: Callable[[], Awaitable[Outcome]] | None = None
    form: Outcome | None = None


class Dispatcher:
    def __init__(
        self,
        *,
        search: SearchService,
        pool: PoolService,
        releases: ReleaseService,
        admin: AdminService,
        emergency: EmergencyService,
        sms: SmsService,
    ) -> None:
        self.search = search
        self.pool = pool
        self.releases = releases
        self.admin = admin
        self.emergency = emergency  # e911, cnam, and `info` with their details
        self.sms = sms

    async def run(self, caller: Caller, command: commands.Command) -> Step:
        pool, admin = self.pool, self.admin
        match command:
            case commands.Help():
                return Step(ack=admin.help(caller.role))
            case commands.OpenSearch():
                return Step(form=self.search.form(caller))
            case commands.Search(query=query, provider=only):
                admitted = await self.search.admit(caller)
                return Step(
                    ack=self.search.searching(query, only),
                    later=lambda: self.search.run(caller, query, only, admitted=admitted),
                )
            case commands.List(provider=only):
                return Step(later=lambda: pool.list_page(caller, provider=only, page=0))
            case commands.Info(e164=e164):
                return Step(later=lambda: self.emergency.info(caller, e164))
            case commands.Name(e164=e164, label=label):
                return Step(later=lambda: pool.name(caller, e164, label))
            case commands.Forward(e164=e164, destination=destination):
                return Step(later=lambda: pool.forward(caller, e164, destination))
            case commands.Adopt(e164=e164, provider=provider):
                return Step(later=lambda: pool.adopt(caller, e164, provider))
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
                return Step(ack=await admin.budget_status(caller, command))
            case commands.Emergency():
                return Step(later=lambda: self.emergency.e911(caller, command))
            case commands.CallerId():
                return Step(later=lambda: self.emergency.caller_id(caller, command))
            case commands.SmsTo(e164=e164, channel=channel, private=private):
                return Step(later=lambda: self.sms.route(caller, e164, channel, private=private))
            case commands.SendSms(e164=e164, destination=destination, text=text):
                return Step(later=lambda: self.sms.send(caller, e164, destination, text))
        raise AssertionError(f"no handler for {command!r}")  # pragma: no cover
