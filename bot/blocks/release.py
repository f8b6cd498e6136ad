"""Releasing a number: the danger-styled confirmation and how it ended."""

from __future__ import annotations

from bot.blocks import ids
from bot.blocks.common import SANDBOX_NOTE, Block, actions, button, context, escape, provider_text, section
from bot.outcomes import (
    ReleaseCancelled,
    Released,
    ReleaseFailed,
    ReleasePending,
    ReleasePrompt,
    Releasing,
)
from bot.replies import Reply

__all__ = [
    "release_cancelled",
    "release_confirmation",
    "release_failed",
    "release_pending",
    "released",
    "releasing",
]


def release_confirmation(outcome: ReleasePrompt) -> Reply:
    e164 = outcome.e164
    label = f" ({escape(outcome.name)})" if outcome.name else ""
    where = provider_text(outcome.provider, outcome.simulated)
    warning = (
        f"Release *{e164}*{label} back to {where}? The number leaves the account and the pool; "
        "it may not be possible to get it back."
    )
    dialog = {
        "title": {"type": "plain_text", "text": "Release this number?"},
        "text": {"type": "mrkdwn", "text": f"{e164} goes back to {where}. This cannot be undone."},
        "confirm": {"type": "plain_text", "text": "Release"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }
    blocks: list[Block] = [
        section(warning),
        actions(
            button(f"Release {e164}", ids.RELEASE, outcome.intent_id, style="danger", confirm=dialog),
            button("Cancel", ids.RELEASE_CANCEL, outcome.intent_id),
        ),
    ]
    if outcome.provider in outcome.simulated:
        blocks.append(context(SANDBOX_NOTE))
    return Reply(text=f"Release {e164} ({where})? Confirm with the button.", blocks=blocks)


def release_cancelled(outcome: ReleaseCancelled) -> Reply:
    return Reply(text=f"Kept {outcome.e164}; nothing was released.", replace_original=True)


def releasing(outcome: Releasing) -> Reply:
    where = provider_text(outcome.provider, outcome.simulated)
    return Reply(text=f"⏳ Releasing {outcome.e164} at {where}… the outcome will appear here.", replace_original=True)


def released(outcome: Released) -> Reply:
    text = (
        f"🗑️ Released {outcome.e164} back to {provider_text(outcome.provider, outcome.simulated)}; it has left the pool."
    )
    return Reply(text=text, blocks=[section(escape(text))], replace_original=True)


def release_failed(outcome: ReleaseFailed) -> Reply:
    return Reply(text=f"❌ {outcome.e164} was not released: {outcome.reason}", replace_original=True)


def release_pending(outcome: ReleasePending) -> Reply:
    return Reply(
        text=f"⏳ {outcome.e164}: {outcome.provider} has not confirmed the release yet; "
        "the bot keeps checking and will report here.",
        replace_original=True,
    )
