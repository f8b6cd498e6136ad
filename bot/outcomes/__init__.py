"""What services answer with: models of what happened, rendered by `bot.blocks`.

A service never builds Block Kit or chooses how Slack places a message; it says what
happened here, and `bot.blocks.render` turns that into a `Reply`. Fields hold data (ids,
numbers, amounts, user ids, provider reasons), never mrkdwn.

One submodule per area, named as its renderers in `bot.blocks` are; import from here
(`from bot.outcomes import Bought`).
"""

from __future__ import annotations

from bot.audit import AuditEntry as AuditEntry  # what bot.blocks imports it through
from bot.models import Spend
from bot.outcomes.admin import AuditExport, AuditLatest, BudgetStatus, Granted, Revoked, RoleList
from bot.outcomes.approvals import (
    ApprovalClosed,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequested,
    DenyForm,
    RequesterNotice,
)
from bot.outcomes.base import Outcome
from bot.outcomes.emergency import CallerIdAnswer, EmergencyAnswer
from bot.outcomes.home import Activity, HomeView, MonthlyReport, Sheet
from bot.outcomes.pool import Adopted, Forwarded, Named, NumberInfo, PoolPage, PoolRow
from bot.outcomes.purchase import (
    Bought,
    NumberTaken,
    PurchaseFailed,
    PurchasePending,
    PurchaseResult,
    QuoteCancelled,
    Quoted,
    Requoted,
)
from bot.outcomes.release import ReleaseCancelled, Released, ReleaseFailed, ReleasePending, ReleasePrompt, Releasing
from bot.outcomes.search import Help, SearchForm, Searching, SearchResults
from bot.outcomes.sms import SmsExpired, SmsPost, SmsRevealed, SmsRouted, SmsSent, SmsStuck, SmsUnrouted

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
