"""The Home view renderer at its limits: every section long, each shown in full, for each role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.blocks import render_view
from bot.console.block_kit import view_problems
from bot.models import (
    BudgetSettings,
    IdleNumber,
    Money,
    MonthSpend,
    Offer,
    PoolEntry,
    PoolItem,
    Quote,
    Role,
    Spend,
    SpendHistory,
)
from bot.outcomes import Activity, HomeView
from tests.rates import FIXED

NOW = datetime(2026, 11, 15, tzinfo=UTC)


def crowded(role: Role, expanded: str | None) -> HomeView:
    usd = Money(amount=Decimal("1.25"), currency="USD")
    idle = tuple(
        IdleNumber(
            item=PoolItem(
                entry=PoolEntry(e164=f"+1415555{i:04d}", provider="vonage", monthly=usd, bought_by="U1", bought_at=NOW),
                name="<@U0EVERYONE> " + "x" * 200,
            ),
            converted=usd,
        )
        for i in range(300)
    )
    quotes = tuple(
        Quote(
            id=f"q{i}",
            team_id="T1",
            user_id="U2",
            offer=Offer(provider="vonage", e164=f"+1415666{i:04d}", country="US", monthly=usd),
            created_at=NOW,
            expires_at=NOW + timedelta(minutes=5),
            approval_reasons=("a long reason " * 20,),
        )
        for i in range(120)
    )
    mine = tuple(
        Activity(at=NOW, action="request", number=f"+1415777{i:04d}", provider="vonage", outcome="denied", by="U3")
        for i in range(1200)
    )
    months = ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11")
    return HomeView(
        user_id="U1",
        role=role,
        at=NOW,
        pool_total=300,
        by_provider={f"provider{i}": 1 for i in range(40)},
        by_country={f"C{i}": 2 for i in range(200)},
        by_type={"local": 300},
        idle=idle,
        approvals=quotes if role.allows(Role.approver) else (),
        spend=Spend(settings=BudgetSettings(currency="USD"), month=MonthSpend(month="2026-11"), rates=FIXED),
        history=SpendHistory(currency="USD", months=months, series={"vonage": (Decimal(1),) * 6}),
        chart_file="F1",
        chart_at=NOW,
        mine=mine,
        expanded=expanded,
        notice="x" * 4000,
    )


@pytest.mark.parametrize("role", [Role.viewer, Role.approver, Role.admin])
@pytest.mark.parametrize("expanded", [None, "approvals", "idle", "mine"])
def test_every_home_fits_in_100_blocks_and_passes_slacks_checks(role: Role, expanded: str | None) -> None:
    view = render_view(crowded(role, expanded))
    assert len(view["blocks"]) <= 100
    assert view_problems(view, files=["F1"]) == []
    shown = str(view["blocks"])
    assert "<@U0EVERYONE>" not in shown, "names are escaped"
    if expanded in ("idle", "mine") or (expanded == "approvals" and role.allows(Role.approver)):
        assert "do not fit in the Home tab" in shown
        assert "Show less" in shown


def test_each_request_shows_its_own_decision() -> None:
    from bot.audit import AuditEntry
    from bot.home import recent_of

    def entry(i: int, action: str, actor: str, number: str) -> AuditEntry:
        return AuditEntry(id=f"{i}-0", at=NOW + timedelta(minutes=i), actor=actor, action=action, number=number)

    newest_first = [
        entry(6, "buy", "U1", "+1"),
        entry(5, "deny", "U9", "+2"),  # B's request for +2
        entry(4, "request", "UB", "+2"),
        entry(3, "request", "U1", "+2"),  # still pending
        entry(2, "approve", "U9", "+1"),
        entry(1, "request", "U1", "+1"),
    ]
    mine = recent_of(newest_first, "U1")
    assert [(a.action, a.number, a.outcome, a.by) for a in mine] == [
        ("buy", "+1", "", ""),
        ("request", "+2", "pending", ""),
        ("request", "+1", "approved", "U9"),
    ]
