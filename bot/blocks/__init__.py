"""Block Kit builders: pure functions from outcomes (bot.outcomes) to Slack messages and views.

`render` is the one way a service's answer becomes a `Reply`; `render_view` the one way a
form becomes a view. Every outcome type has exactly one renderer in the tables below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import outcomes as o
from bot.blocks import admin, approvals, emergency, home, pool, purchase, release, report, search, sms
from bot.replies import Reply

__all__ = ["MESSAGES", "VIEWS", "render", "render_view"]

MESSAGES: dict[type[o.Outcome], Callable[[Any], Reply]] = {
    o.Help: admin.help_view,
    o.RoleList: admin.roles_view,
    o.Granted: admin.granted,
    o.Revoked: admin.revoked,
    o.AuditLatest: admin.audit_view,
    o.AuditExport: admin.audit_export,
    o.BudgetStatus: admin.budget_view,
    o.Searching: search.searching,
    o.SearchResults: search.search_results,
    o.Quoted: purchase.confirmation,
    o.Requoted: purchase.requoted,
    o.QuoteCancelled: purchase.quote_cancelled,
    o.Bought: purchase.bought,
    o.PurchaseFailed: purchase.purchase_failed,
    o.PurchasePending: purchase.purchase_pending,
    o.NumberTaken: purchase.number_taken,
    o.ApprovalRequest: approvals.approval_request,
    o.ApprovalRequested: approvals.approval_requested,
    o.ApprovalClosed: approvals.approval_closed,
    o.RequesterNotice: approvals.requester_notice,
    o.ReleasePrompt: release.release_confirmation,
    o.ReleaseCancelled: release.release_cancelled,
    o.Releasing: release.releasing,
    o.Released: release.released,
    o.ReleaseFailed: release.release_failed,
    o.ReleasePending: release.release_pending,
    o.PoolPage: pool.pool_page,
    o.NumberInfo: pool.info_view,
    o.Named: pool.named,
    o.Forwarded: pool.forwarded,
    o.Adopted: pool.adopted,
    o.EmergencyAnswer: emergency.e911_answer,
    o.CallerIdAnswer: emergency.caller_id_answer,
    o.MonthlyReport: report.monthly_report,
    o.SmsRouted: sms.sms_routed,
    o.SmsUnrouted: sms.sms_unrouted,
    o.SmsSent: sms.sms_sent,
    o.SmsStuck: sms.sms_stuck,
    o.SmsPost: sms.sms_post,
    o.SmsRevealed: sms.sms_revealed,
    o.SmsExpired: sms.sms_expired,
}

VIEWS: dict[type[o.Outcome], Callable[[Any], dict[str, Any]]] = {
    o.SearchForm: search.search_form,
    o.DenyForm: approvals.deny_form,
    o.HomeView: home.home_view,
    o.Sheet: home.sheet_view,
}


def render(outcome: o.Outcome) -> Reply:
    return MESSAGES[type(outcome)](outcome)


def render_view(outcome: o.Outcome) -> dict[str, Any]:
    return VIEWS[type(outcome)](outcome)
