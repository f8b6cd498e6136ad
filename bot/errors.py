"""One error root whose message is safe to show a user.

Everything the bot refuses or fails at reaches Slack as ``BotError.user_message``: one line,
no stack trace, no secret. Provider adapters map their wire errors into the
``ProviderError`` branch at their edge (``raise ProviderRefused(...) from exc``).
"""

from __future__ import annotations

__all__ = [
    "BotError",
    "ChargesRequired",
    "DestinationRefused",
    "InputError",
    "NotFound",
    "NotSupported",
    "OutcomeUnknown",
    "PermissionDenied",
    "ProviderAuthError",
    "ProviderError",
    "ProviderRefused",
    "ProviderUnavailable",
    "StaleAction",
    "StorageUnavailable",
]

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.models import Money


class BotError(Exception):
    """An expected failure with a one-line message for the user."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = " ".join(user_message.split())


class InputError(BotError):
    """Bad input: the message is the usage line for the subcommand."""


class DestinationRefused(BotError):
    """A forwarding (or messaging) destination the rules refuse: its type, or FORWARD_COUNTRIES."""


class PermissionDenied(BotError):
    """The caller's role does not allow this."""


class NotFound(BotError):
    """The thing asked about is not in the pool, or no longer exists."""


class StaleAction(BotError):
    """A button whose quote, search or intent expired or was already used."""


class StorageUnavailable(BotError):
    def __init__(self) -> None:
        super().__init__("Storage (Redis) is unavailable right now, so nothing was done. Try again in a minute.")


class ProviderError(BotError):
    """Something a provider said or failed to say; carries its label for the message."""

    def __init__(self, provider: str, message: str) -> None:
        self.provider = provider
        super().__init__(f"{provider}: {message}")


class ProviderAuthError(ProviderError):
    def __init__(self, provider: str, message: str | None = None) -> None:
        super().__init__(
            provider,
            message or f"{provider} rejected the credentials; check the bot's settings",
        )


class ProviderUnavailable(ProviderError):
    """Definitely failed and nothing changed (connect error, timeout on a read, 5xx)."""


class ProviderRefused(ProviderError):
    """The provider answered no, with its own reason; nothing changed."""


class NotSupported(ProviderError):
    """The provider lacks the operation (SPEC 1: a clear message naming it)."""


class OutcomeUnknown(ProviderError):
    """A change was sent but the answer was lost: it may or may not have happened."""


class ChargesRequired(ProviderError):
    """The provider wants charges accepted first; the user must see and confirm them."""

    def __init__(self, provider: str, charges: Money | None, detail: str = "") -> None:
        self.charges = charges
        self.detail = detail
        shown = charges.display() if charges is not None else "an unknown amount"
        super().__init__(provider, f"activation charges of {shown} must be accepted first")
