"""The audit log: a capped Redis stream per team; newest first when read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import ConfigDict

from bot import keys
from bot.models import Frozen, Money, Quote, show_money

if TYPE_CHECKING:
    from bot.store import RedisClient

__all__ = ["MAXLEN", "AuditEntry", "AuditLog", "entry_fields", "quote_fields"]

MAXLEN = 10_000


class AuditEntry(Frozen):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    at: datetime
    actor: str
    action: str
    number: str = ""
    provider: str = ""
    cost: str = ""
    outcome: str = ""
    detail: str = ""


def entry_fields(
    *,
    actor: str,
    action: str,
    number: str | None = None,
    provider: str | None = None,
    cost: list[Money] | Money | None = None,
    outcome: str = "ok",
    detail: str | None = None,
) -> dict[str, str]:
    """One audit entry as stream fields (also passed into Lua scripts that finish work)."""
    if isinstance(cost, list):
        shown = " + ".join(m.display() for m in cost) if cost else "unknown"
    elif cost is None:
        shown = ""
    else:
        shown = show_money(cost)
    return {
        "actor": actor,
        "action": action,
        "number": number or "",
        "provider": provider or "",
        "cost": shown,
        "outcome": outcome,
        "detail": (detail or "")[:300],
    }


def quote_fields(
    quote: Quote,
    *,
    actor: str,
    action: str,
    outcome: str,
    detail: str | None = None,
    cost: list[Money] | Money | None = None,
) -> dict[str, str]:
    """An audit entry about a quote's number (cost: what the quote spends, unless given)."""
    return entry_fields(
        actor=actor,
        action=action,
        number=quote.offer.e164,
        provider=quote.offer.provider,
        cost=quote.charges() if cost is None else cost,
        outcome=outcome,
        detail=detail,
    )


def _at(stream_id: str) -> datetime:
    millis = int(stream_id.split("-", 1)[0])
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


class AuditLog:
    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    async def record(self, team_id: str, fields: dict[str, str]) -> None:
        await self.redis.xadd(keys.audit(team_id), fields, maxlen=MAXLEN, approximate=True)  # type: ignore[arg-type]

    async def latest(self, team_id: str, count: int) -> list[AuditEntry]:
        rows = await self.redis.xrevrange(keys.audit(team_id), count=count)
        return [AuditEntry(id=stream_id, at=_at(stream_id), **fields) for stream_id, fields in rows]

    async def between(self, team_id: str, start: datetime, end: datetime) -> list[AuditEntry]:
        """Entries from `start` up to (not including) `end`, oldest first (stream ids are times)."""
        low, high = int(start.timestamp() * 1000), int(end.timestamp() * 1000) - 1
        rows = await self.redis.xrange(keys.audit(team_id), min=str(low), max=str(high))
        return [AuditEntry(id=stream_id, at=_at(stream_id), **fields) for stream_id, fields in rows]

    async def everything(self, team_id: str) -> list[AuditEntry]:
        rows = await self.redis.xrevrange(keys.audit(team_id))
        return [AuditEntry(id=stream_id, at=_at(stream_id), **fields) for stream_id, fields in rows]
