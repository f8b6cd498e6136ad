"""What routing, sending and receiving text messages answer, as they are posted in Slack."""

from __future__ import annotations

from datetime import datetime

from bot.models import Money
from bot.outcomes.base import Outcome

__all__ = ["SmsExpired", "SmsPost", "SmsRevealed", "SmsRouted", "SmsSent", "SmsStuck", "SmsUnrouted"]


class SmsRouted(Outcome):
    """A number's SMS now go to `channel`; `setup` is what the deployment must still do (Azure)."""

    e164: str
    provider: str
    channel: str
    private: bool
    reveal_seconds: int
    notes: tuple[str, ...] = ()
    setup: str | None = None
    webhook_url: str | None = None  # shown to the buyer alone, to configure where the provider cannot be told


class SmsUnrouted(Outcome):
    e164: str
    provider: str
    was: str | None  # the channel it went to; None: it was not routed
    notes: tuple[str, ...] = ()


class SmsSent(Outcome):
    e164: str
    destination: str
    provider: str
    message_ids: tuple[str, ...]
    price: Money | None = None
    characters: int


class SmsStuck(Outcome):
    """Slack refuses the posts of a number's SMS into its channel (told to whoever routed it)."""

    e164: str
    channel: str
    error: str  # Slack's error code: `is_archived`, `channel_not_found`, `not_in_channel`…


class SmsPost(Outcome):
    """A received SMS as posted in its channel: with its text, or (private) with View message."""

    sms_id: str
    e164: str
    name: str | None = None
    sender: str
    received_at: datetime
    provider: str
    text: str | None = None  # None: private (or its text is gone)
    private: bool = False
    expires_at: datetime | None = None  # when a private text stops being revealable
    expired: bool = False


class SmsRevealed(Outcome):
    """A private SMS's text, shown to the one who clicked View message."""

    post: SmsPost
    text: str
    code: str | None = None


class SmsExpired(Outcome):
    """View message after the text was dropped: the post again, saying it expired."""

    post: SmsPost
