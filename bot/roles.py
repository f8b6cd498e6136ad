"""The allow-list: one role per Slack user per team, in Redis, plus the BOT_ADMINS bootstrap."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot import keys

if TYPE_CHECKING:
    from bot.store import RedisClient

from bot.models import Role

__all__ = ["RoleStore"]


def _role(raw: str | None) -> Role | None:
    try:
        return Role(raw) if raw else None
    except ValueError:
        return None  # an unknown stored value grants nothing


class RoleStore:
    def __init__(self, redis: RedisClient, *, bootstrap_admins: Iterable[str]) -> None:
        self.redis = redis
        self.bootstrap_admins = frozenset(bootstrap_admins)

    def is_bootstrap_admin(self, user_id: str) -> bool:
        return user_id in self.bootstrap_admins

    async def role_of(self, team_id: str, user_id: str) -> Role | None:
        """The caller's role: one Redis round trip, also for BOT_ADMINS users, so that an
        unreachable Redis stops everyone before anything else happens (fail closed)."""
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
