"""Buttons of the Home tab that change something, through the same services as everywhere else.

A click in the Home tab has no message to answer (no response_url): what the service
answers becomes the notice at the top of the clicker's Home, and the message the approval
request lives in is updated with chat.update, as the approvals channel's own buttons do.
"""

from __future__ import annotations

from bot.approval_store import ApprovalStore
from bot.approvals import ApprovalService
from bot.errors import StaleAction
from bot.models import Caller
from bot.notify import Notifier
from bot.outcomes import NumberInfo, Outcome
from bot.phone import parse_number
from bot.pool import PoolService
from bot.releases import ReleaseResult, ReleaseService

__all__ = ["HomeActions"]


async def _quiet(_: Outcome) -> None:
    return None


def _number(value: str) -> str:
    """A button's number, as E.164: a forged value never reaches a message."""
    e164 = parse_number(value)
    if e164 is None:
        raise StaleAction("This button is not valid any more; open the Home tab again.")
    return e164


class HomeActions:
    def __init__(
        self,
        *,
        approvals: ApprovalService,
        requests: ApprovalStore,
        releases: ReleaseService,
        pool: PoolService,
        notifier: Notifier,
    ) -> None:
        self.approvals = approvals
        self.requests = requests
        self.releases = releases
        self.pool = pool
        self.notifier = notifier

    async def approve(self, caller: Caller, quote_id: str) -> Outcome:
        """Approve from the Home tab: the one decision of `ApprovalService.approve` (a Lua step:
        two approvers, here or in the channel, buy once); its request message follows along."""
        record = await self.requests.get(caller.team_id, quote_id)

        async def to_message(outcome: Outcome) -> None:
            if record is not None and record.channel and record.ts:
                await self.notifier.update(record.channel, record.ts, outcome)

        result = await self.approvals.approve(caller, quote_id, progress=to_message)
        await to_message(result)
        return result

    async def release(self, caller: Caller, e164: str) -> ReleaseResult:
        """Release from the Home tab: Slack's confirm dialog on the button was the confirmation,
        so the release intent is made and confirmed at once (the same journaled release)."""
        prompt = await self.releases.prompt(caller, _number(e164))
        return await self.releases.confirm(caller, prompt.intent_id, progress=_quiet)

    async def info(self, caller: Caller, e164: str) -> NumberInfo:
        """Info: the number in full, joined with what its provider says now (`/number info`)."""
        return await self.pool.info(caller, _number(e164))
