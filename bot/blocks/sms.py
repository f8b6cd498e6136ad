"""Text messages: a number's routing, a test SMS sent, and received SMS as their channel shows them.

An SMS's text and sender come from outside (anyone can text a number): they are escaped like
anything a user typed. A private routing's post carries no text, in its blocks or in its
notification text; View message reveals it to the clicker alone, with a verification code
shown big when the text has one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.blocks import ids
from bot.blocks.common import Block, button, context, escape, header, provider_text, section
from bot.models import show_money
from bot.mrkdwn import code_text
from bot.outcomes import SmsExpired, SmsPost, SmsRevealed, SmsRouted, SmsSent, SmsStuck, SmsUnrouted
from bot.phone import national_format
from bot.replies import Reply

__all__ = ["sms_expired", "sms_post", "sms_revealed", "sms_routed", "sms_sent", "sms_stuck", "sms_unrouted"]

TEXT_SHOWN = 2800  # characters of an SMS shown in one section (Slack's limit is 3000)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def _quote(text: str) -> str:
    """The SMS text as a block quote, escaped, every line quoted."""
    shown = text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1] + "…"
    return "\n".join("> " + (escape(line) or " ") for line in shown.split("\n"))


def _to(post: SmsPost) -> str:
    name = f" · _{escape(post.name)}_" if post.name else ""
    return f"*{national_format(post.e164)}* `{post.e164}`{name}"


def _where(post: SmsPost) -> str:
    return f"{provider_text(post.provider, post.simulated)} · received {_time(post.received_at)}"


def sms_post(post: SmsPost) -> Reply:
    """What the channel sees: the text, or (private) sender and time with View message."""
    heading = f"📨 SMS to {_to(post)}\nfrom *{escape(post.sender)}*"
    summary = f"SMS to {post.e164} from {escape(post.sender)}"
    if not post.private:
        body = (
            _quote(post.text)
            if post.text is not None
            else "_The text is no longer kept: it waited too long for Slack._"
        )
        text = f"{summary}: {escape(post.text)}" if post.text is not None else summary
        return Reply(text=text, blocks=[section(heading), section(body), context(_where(post))])
    if post.expired:
        return Reply(
            text=f"{summary} (private; expired)",
            blocks=[
                section(f"🔒 {heading}"),
                context(_where(post), "⌛ Expired: the text is no longer kept, so it cannot be viewed."),
            ],
        )
    until = f" until {_time(post.expires_at)}" if post.expires_at else ""
    return Reply(
        text=f"{summary} (private: View message shows the text)",
        blocks=[
            section(f"🔒 {heading}", accessory=button("View message", ids.SMS_REVEAL, post.sms_id)),
            context(
                _where(post), f"View message shows the text to whoever clicks it, alone{until}; every view is audited."
            ),
        ],
    )


def sms_revealed(outcome: SmsRevealed) -> Reply:
    """The text, to the clicker alone (an ephemeral reply that never replaces the post)."""
    post = outcome.post
    blocks: list[Block] = []
    if outcome.code:
        blocks.append(header(f"Code: {outcome.code}"))
    blocks += [
        section(f"SMS to {_to(post)}\nfrom *{escape(post.sender)}* at {_time(post.received_at)}"),
        section(_quote(outcome.text)),
        context("Only you see this; the view was audited (not the text)."),
    ]
    code = f"Code {outcome.code} — " if outcome.code else ""
    return Reply(text=f"{code}SMS from {escape(post.sender)} to {post.e164}: {escape(outcome.text)}", blocks=blocks)


def sms_expired(outcome: SmsExpired) -> Reply:
    """View message after the text was dropped: the post itself now says it expired."""
    return sms_post(outcome.post.model_copy(update={"expired": True})).model_copy(update={"replace_original": True})


def sms_routed(outcome: SmsRouted) -> Reply:
    where = provider_text(outcome.provider, outcome.simulated)
    how = (
        f"only the sender and time, with *View message* that shows the text to the clicker alone for "
        f"{_minutes(outcome.reveal_seconds)}"
        if outcome.private
        else "with their text"
    )
    lines = [f"📨 SMS to {outcome.e164} ({where}) now go to <#{outcome.channel}>: {how}."]
    lines += [escape(note) for note in outcome.notes]
    blocks: list[Block] = [section("\n".join(lines))]
    if outcome.setup:
        blocks.append(section(escape(outcome.setup)))
    if outcome.webhook_url:
        blocks.append(section(f"```{code_text(outcome.webhook_url)}```"))
        blocks.append(context("This URL holds the number's secret token: only you see it."))
    if outcome.provider in outcome.simulated:
        blocks.append(context("Sandbox: in the console, `:sms <NUMBER> <text>` sends this number an SMS."))
    extra = [line for line in (outcome.setup, outcome.webhook_url) if line]
    return Reply(text="\n".join([*lines, *map(escape, extra)]), blocks=blocks)


def sms_unrouted(outcome: SmsUnrouted) -> Reply:
    if outcome.was is None:
        return Reply(text=f"SMS to {outcome.e164} were not sent anywhere; nothing changed.")
    lines = [f"📭 SMS to {outcome.e164} are no longer posted to <#{outcome.was}>; any still waiting were dropped."]
    lines += [escape(note) for note in outcome.notes]
    return Reply(text="\n".join(lines))


def sms_sent(outcome: SmsSent) -> Reply:
    where = outcome.provider
    ids_text = ", ".join(f"`{code_text(i)}`" for i in outcome.message_ids) or "none given"
    label = "message id" if len(outcome.message_ids) <= 1 else f"{len(outcome.message_ids)} parts, message ids"
    price = f" · price {show_money(outcome.price)}" if outcome.price is not None else ""
    simulated = " (sandbox: simulated, nothing was sent)" if outcome.provider in outcome.simulated else ""
    return Reply(
        text=(
            f"✉️ Sent a test SMS from {outcome.e164} to {outcome.destination} via {where}{simulated}: "
            f"{outcome.characters} characters · {label} {ids_text}{price}"
        )
    )


_STUCK_WHY = {
    "is_archived": "the channel is archived",
    "channel_not_found": "the bot cannot see the channel (a private one it is not in, or deleted)",
    "not_in_channel": "the bot is not in the channel",
}


def sms_stuck(stuck: SmsStuck) -> Reply:
    """To whoever routed the number: its SMS are waiting because Slack refuses the posts."""
    why = _STUCK_WHY.get(stuck.error, f"Slack answers `{escape(stuck.error)}`")
    line = (
        f"⚠️ SMS to *{national_format(stuck.e164)}* `{stuck.e164}` cannot be posted in <#{stuck.channel}>: {why}. "
        "They wait in order and are tried again every minute for up to 24 hours: unarchive the channel or invite "
        f"the bot, or send them elsewhere with `/number sms-to {stuck.e164} #channel` (`off` drops them)."
    )
    return Reply(text=f"SMS to {stuck.e164} cannot be posted in <#{stuck.channel}>: {why}.", blocks=[section(line)])
