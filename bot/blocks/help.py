"""`/number help`: what this caller may use, one example each."""

from __future__ import annotations

from bot.blocks.common import context, header, section
from bot.commands import USAGE
from bot.models import Role
from bot.replies import Reply

__all__ = ["help_view"]

# subcommand → role needed (None: anyone); the order is the order shown
_VISIBLE: list[tuple[str, Role | None]] = [
    ("help", None),
    ("search", Role.viewer),
    ("list", Role.viewer),
    ("info", Role.viewer),
    ("budget", Role.viewer),
    ("name", Role.buyer),
    ("forward", Role.buyer),
    ("audit", Role.approver),
    ("release", Role.admin),
    ("adopt", Role.admin),
    ("roles", Role.admin),
    ("grant", Role.admin),
    ("revoke", Role.admin),
]


def help_view(role: Role | None, admins: list[str]) -> Reply:
    usable = [USAGE[name] for name, needed in _VISIBLE if needed is None or (role and role.allows(needed))]
    lines = [f"`{line}`" for line in usable]
    if role is not None and role.allows(Role.viewer):
        lines.insert(1, "`/number` opens a search form")
    if role is None:
        who = ", ".join(f"<@{a}>" for a in admins) or "a workspace admin"
        access = f"You have no role yet, so you can only see this help. Ask {who} to run `/number grant @you viewer`."
    else:
        access = f"Your role: *{role.value}*."
        if role is Role.requester:
            access += " Purchases you ask for go to an approver."
    body = "\n".join(lines)
    return Reply(
        text=f"{access}\n{body}",
        blocks=[
            header("numberbot"),
            section(access),
            section(body),
            context("Roles: viewer < requester < buyer < approver < admin"),
        ],
    )
