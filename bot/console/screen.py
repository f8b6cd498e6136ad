"""What the bot sent to Slack, printed as numbered messages whose buttons can be clicked.

Every message gets a number (``#4``) that stays with it when it is replaced; the buttons of the
latest reply are numbered from 1, so ``1`` clicks the first button just shown, and every
message keeps its own buttons for ``:click 4.2``. A call Slack would refuse is printed as
Slack's refusal, and nothing of it is shown.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import IO, Any

from bot.console.render import mrkdwn_to_text, plain_text, render_blocks
from bot.console.slack_stub import Call

__all__ = ["Button", "Screen"]


@dataclass
class Button:
    action_id: str
    value: str
    text: str
    block_id: str
    message_key: str
    confirm: dict[str, Any] | None
    message: int  # the number of the message it sits in (#4)
    home: bool = False  # a button of the Home tab (no message, no response_url)


class Screen:
    """Turns the calls the Slack stand-in recorded into terminal messages, and numbers them."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.pending: list[Call] = []  # recorded by the Slack stand-in, not printed yet
        self.latest: list[Button] = []  # the buttons of the latest reply, numbered from 1
        self.messages: dict[int, list[Button]] = {}  # every message's buttons, by message number
        self._message_numbers = itertools.count(1)
        self._message_of: dict[str, int] = {}  # response_url key → the message it last showed
        self._new_reply = False
        self._keys = itertools.count(1)

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def new_key(self, prefix: str = "m") -> str:
        """A fresh key (one counter for response_urls and event ids, so no two ever collide)."""
        return f"{prefix}{next(self._keys)}"

    def start_reply(self) -> None:
        """What is shown next answers something new: its buttons are numbered from 1 again."""
        self._new_reply = True

    def button(self, number: int) -> Button | None:
        """Button `number` of the latest reply; None, and why, when it has no such button."""
        if not 1 <= number <= len(self.latest):
            older = f" Older buttons: :click <message>.<button>, e.g. :click {max(self.messages, default=1)}.1."
            self.say(f"The latest reply has no button [{number}].{older if self.messages else ''}")
            return None
        return self.latest[number - 1]

    def button_in(self, message: int, number: int) -> Button | None:
        """Button `number` of message #`message` (any shown so far); None, and why, when it has none."""
        buttons = self.messages.get(message, [])
        if not 1 <= number <= len(buttons):
            self.say(f"Message #{message} has no button [{number}].")
            return None
        return buttons[number - 1]

    def flush(self, *, user: str, show_home: bool) -> list[dict[str, Any]]:
        """Print what was recorded since the last flush, as `user` sees it.

        `show_home`: `user`'s Home tab was asked for, so it is printed in full. Returns the
        modals with inputs the bot opened: they are not printed but filled in, field by field.
        """
        forms: list[dict[str, Any]] = []
        pending, self.pending[:] = list(self.pending), []
        # A Home tab published several times in a row (then with its chart): only the last counts.
        last_home = {c.data.get("user_id"): c for c in pending if c.method == "views.publish" and not c.refused}
        for call in pending:
            if call.method == "views.publish" and not call.refused and last_home[call.data.get("user_id")] is not call:
                continue
            if call.refused:
                error = call.answer.get("error", "invalid_blocks")
                self.say(f"(Slack refused what the bot sent with {call.method}: {error})")
                for problem in call.problems:
                    self.say(f"  ! {problem}")
                self.say()
            elif call.kind == "respond":
                data = call.data
                replace = (
                    str(data.get("replace_original", "")).lower() == "true" or data.get("replace_original") is True
                )
                self.show(call.method, data, replace=replace)
            elif call.kind == "api" and call.method in ("chat.postEphemeral", "chat.postMessage"):
                where = (
                    "only you see this"
                    if call.method == "chat.postEphemeral"
                    else f"posted to {call.data.get('channel')}"
                )
                self.show(self.new_key(), call.data, replace=False, note=where)
            elif call.kind == "api" and call.method == "chat.update":
                self.show(
                    self.new_key(),
                    call.data,
                    replace=True,
                    note=f"message in {call.data.get('channel')} updated",
                )
            elif call.kind == "api" and call.method == "views.publish":
                self._published(call, user=user, show_home=show_home)
            elif call.kind == "api" and call.method in ("views.open", "views.update"):
                view = call.data.get("view")
                view = json.loads(view) if isinstance(view, str) else view
                if any(b.get("type") == "input" for b in view.get("blocks", [])):
                    forms.append(view)
                else:  # nothing to fill in: a modal that shows something (Info from the Home tab)
                    opened = call.method == "views.open"
                    view_id = call.answer.get("view", {}).get("id") if opened else call.data.get("view_id")
                    self.show(f"modal-{view_id}", view, replace=not opened, note="a modal")
            elif call.kind == "api" and call.method == "files.completeUploadExternal":
                where = call.data.get("channel_id")
                self.say(f"(file uploaded to {where})" if where else "(file uploaded, shared nowhere: views show it)")
            elif call.kind == "upload":
                self.say(call.data.get("content", ""))
        return forms

    def _published(self, call: Call, *, user: str, show_home: bool) -> None:
        """A Home tab: shown when asked for, else one line (it is published on every change)."""
        owner = call.data.get("user_id")
        if owner != user or not show_home:
            self.say(f"(the Home tab of {owner} was updated{'; :home shows it' if owner == user else ''})")
            return
        view = call.data.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        self.show(f"home-{owner}", view, replace=f"home-{owner}" in self._message_of, note="your Home tab", home=True)

    def show(
        self, key: str, data: dict[str, Any], *, replace: bool, note: str | None = None, home: bool = False
    ) -> None:
        """Print a message (`key`: its response_url key); `replace` prints it under the number it had."""
        blocks = data.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if self._new_reply:  # the first message of a reply: its buttons are numbered from 1
            self.latest, self._new_reply = [], False
        message = self._message_of[key] if replace and key in self._message_of else next(self._message_numbers)
        self._message_of[key] = message
        self.messages[message] = []  # a replaced message's old buttons are gone
        self.latest = [b for b in self.latest if b.message != message]

        def number(element: dict[str, Any], block: dict[str, Any]) -> int:
            button = Button(
                action_id=element["action_id"],
                value=element.get("value", ""),
                text=plain_text(element.get("text")),
                block_id=block.get("block_id", "b"),
                message_key=key,
                confirm=element.get("confirm"),
                message=message,
                home=home,
            )
            self.messages[message].append(button)
            self.latest.append(button)
            return len(self.latest)

        head = f"#{message}" + (" (updated)" if replace else "")
        if note:
            head += f" ({note})"
        self.say(head)
        lines = render_blocks(blocks, number) if blocks else mrkdwn_to_text(str(data.get("text", ""))).splitlines()
        for line in lines:
            self.say(f"  {line}")
        self.say()
