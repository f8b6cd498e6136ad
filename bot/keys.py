"""Every Redis key, built in one place.

Keys of one team share the hash tag ``{T…}`` so that any Lua script or MULTI touching them
lands in one slot of a Redis Cluster. Keys shared by the whole bot (the team index, the
sandbox carrier, provider tokens) carry their own tags.
"""

from __future__ import annotations

import re

from bot.errors import BotError

__all__ = [
    "UnsafeKey",
    "account_refreshing",
    "account_state",
    "approval",
    "approvals",
    "audit",
    "budget",
    "chart",
    "chart_lock",
    "cnam_requests",
    "forwards",
    "holds",
    "home_state",
    "home_viewers",
    "inflight",
    "intent",
    "lease",
    "names",
    "number_mark",
    "op",
    "pool",
    "provider_cache",
    "quote",
    "releasing",
    "report",
    "roles",
    "sandbox_cnam",
    "sandbox_e911",
    "sandbox_forwards",
    "sandbox_owned",
    "search",
    "searching",
    "sms_body",
    "sms_expiring",
    "sms_lease",
    "sms_meta",
    "sms_parts",
    "sms_pending",
    "sms_queue",
    "sms_retry",
    "sms_routes",
    "sms_seen",
    "sms_sent",
    "sms_stuck",
    "sms_teams",
    "spend",
    "teams",
    "webhook_refusals",
]

_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


class UnsafeKey(BotError):
    """An id that cannot be part of a key: a forged or mangled button value, never ours."""

    def __init__(self) -> None:
        super().__init__("This button is not valid (any more); run the command again.")


def _safe(part: str) -> str:
    if not _ID.match(part):
        raise UnsafeKey()
    return part


def _team(team_id: str) -> str:
    return f"nb:{{{_safe(team_id)}}}"


def roles(team_id: str) -> str:
    return f"{_team(team_id)}:roles"


def search(team_id: str, search_id: str) -> str:
    return f"{_team(team_id)}:search:{_safe(search_id)}"


def quote(team_id: str, quote_id: str) -> str:
    return f"{_team(team_id)}:quote:{_safe(quote_id)}"


def intent(team_id: str, intent_id: str) -> str:
    return f"{_team(team_id)}:intent:{_safe(intent_id)}"


def approval(team_id: str, quote_id: str) -> str:
    return f"{_team(team_id)}:approval:{_safe(quote_id)}"


def approvals(team_id: str) -> str:
    """Pending approval requests, scored by when their quote expires (ms)."""
    return f"{_team(team_id)}:approvals"


def op(team_id: str, op_id: str) -> str:
    return f"{_team(team_id)}:op:{_safe(op_id)}"


def lease(team_id: str, op_id: str) -> str:
    return f"{_team(team_id)}:lease:{_safe(op_id)}"


def inflight(team_id: str) -> str:
    return f"{_team(team_id)}:inflight"


def pool(team_id: str) -> str:
    return f"{_team(team_id)}:pool"


def names(team_id: str) -> str:
    return f"{_team(team_id)}:names"


def forwards(team_id: str) -> str:
    return f"{_team(team_id)}:forwards"


def releasing(team_id: str) -> str:
    return f"{_team(team_id)}:releasing"


def cnam_requests(team_id: str) -> str:
    """Caller-ID names asked for and still awaiting the provider's approval, by number."""
    return f"{_team(team_id)}:cnam-requests"


def spend(team_id: str, month: str) -> str:
    return f"{_team(team_id)}:spend:{_safe(month)}"


def holds(team_id: str) -> str:
    """What purchases in flight have reserved against the budget, by operation id."""
    return f"{_team(team_id)}:holds"


def searching(team_id: str, user_id: str) -> str:
    """The searches a user has running (at most a few at once), scored by when they started."""
    return f"{_team(team_id)}:searching:{_safe(user_id)}"


def number_mark(account: str, e164: str) -> str:
    """Which operation is buying (or bought) a number on one provider account.

    Tagged by the account, not the team: teams sharing an account see one mark. So it lives in
    another Cluster slot than the team's keys (see NumberMarks in bot/journal.py for the two-step protocol).
    """
    return f"nb:{{acct:{_safe(account)}}}:number:{_safe(e164.removeprefix('+'))}"


def account_state(account: str) -> str:
    """A snapshot of the numbers one provider account holds (bot/accounts.py)."""
    return f"nb:{{acct:{_safe(account)}}}:numbers"


def account_refreshing(account: str) -> str:
    return f"nb:{{acct:{_safe(account)}}}:refreshing"


def budget(team_id: str) -> str:
    return f"{_team(team_id)}:budget"


def audit(team_id: str) -> str:
    return f"{_team(team_id)}:audit"


def chart(team_id: str) -> str:
    """The spend chart last uploaded: digest of its figures, Slack file id, when it was drawn."""
    return f"{_team(team_id)}:chart"


def chart_lock(team_id: str) -> str:
    """Held by the one process drawing the chart (beside `chart`: one script touches both)."""
    return f"{_team(team_id)}:chart:lock"


def report(team_id: str, month: str) -> str:
    """Who is posting, or has posted, the monthly report for `month` (YYYY-MM)."""
    return f"{_team(team_id)}:report:{_safe(month)}"


def home_viewers(team_id: str) -> str:
    """Who opened the Home tab, scored by when (ms): whose Home to publish again on a change."""
    return f"{_team(team_id)}:home:viewers"


def home_state(team_id: str, user_id: str) -> str:
    """A user's Home tab for a few minutes: the section shown in full, the last click's outcome."""
    return f"{_team(team_id)}:home:user:{_safe(user_id)}"


def teams() -> str:
    """Every team that ever had an operation in flight: the reconciler's index."""
    return "nb:{teams}"


def sandbox_owned() -> str:
    return "nb:{sandbox}:owned"


def sandbox_forwards() -> str:
    return "nb:{sandbox}:forwards"


def sandbox_e911() -> str:
    return "nb:{sandbox}:e911"


def sandbox_cnam() -> str:
    return "nb:{sandbox}:cnam"


def provider_cache(provider: str, name: str) -> str:
    """Provider-wide shared state (e.g. an auth token shared by every process)."""
    return f"nb:{{provider:{_safe(provider)}}}:{_safe(name)}"


# -- text messages: one team's SMS keys share its hash tag, so receiving (route, pool, dedupe,
# queue, body) and each delivery step are single Lua scripts in the team's slot.


def _digits(e164: str) -> str:
    return _safe(e164.removeprefix("+"))


def sms_routes(team_id: str) -> str:
    """Pool number → where its SMS go (JSON: provider, channel, private, token, by, at)."""
    return f"{_team(team_id)}:sms:routes"


def sms_queue(team_id: str, e164: str) -> str:
    """One number's received SMS waiting to be posted, oldest first (ids only, no text)."""
    return f"{_team(team_id)}:sms:queue:{_digits(e164)}"


def sms_pending(team_id: str) -> str:
    """The numbers whose queue is not empty: what a drainer looks at."""
    return f"{_team(team_id)}:sms:pending"


def sms_seen(team_id: str) -> str:
    """Provider message ids already received (scored by when), so a retried webhook posts nothing."""
    return f"{_team(team_id)}:sms:seen"


def sms_body(team_id: str, sms_id: str) -> str:
    """An SMS's text, with its expiry (SMS_REVEAL_TTL_SECONDS when the routing is private)."""
    return f"{_team(team_id)}:sms:body:{_safe(sms_id)}"


def sms_meta(team_id: str, sms_id: str) -> str:
    """An SMS without its text (sender, number, time, where it was posted), for its button."""
    return f"{_team(team_id)}:sms:meta:{_safe(sms_id)}"


def sms_parts(team_id: str, ref: str) -> str:
    """The parts of one long SMS received so far (part number → text), until all are in."""
    return f"{_team(team_id)}:sms:parts:{_safe(ref)}"


def sms_lease(team_id: str, e164: str) -> str:
    """Who posts a number's queue now (one process at a time keeps the order)."""
    return f"{_team(team_id)}:sms:lease:{_digits(e164)}"


def sms_retry(team_id: str) -> str:
    """Number → when (ms) its queue may be tried again (Slack down or rate limiting)."""
    return f"{_team(team_id)}:sms:retry"


def sms_expiring(team_id: str) -> str:
    """Private SMS posted with a View message button, scored by when their text expires (ms)."""
    return f"{_team(team_id)}:sms:expiring"


def sms_sent(team_id: str, hour: str) -> str:
    """Test SMS sent in one hour (a limit against running up a bill)."""
    return f"{_team(team_id)}:sms:sent:{_safe(hour)}"


def sms_stuck(team_id: str, e164: str) -> str:
    """Set while Slack refuses the number's posts: whoever routed it was told (once a day)."""
    return f"{_team(team_id)}:sms:stuck:{_digits(e164)}"


def sms_teams() -> str:
    """Every team that ever routed a number's SMS: the drainers' index."""
    return "nb:{smsteams}"


def webhook_refusals() -> str:
    """Webhooks refused, counted by `provider:reason` (for metrics)."""
    return "nb:{webhooks}:refused"
