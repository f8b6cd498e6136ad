"""`python -m bot console`: drive the real app from a terminal.

What you type is sent as signed Slack requests through the same Bolt app the server runs;
what the bot sends to Slack lands in a local Slack stand-in and is printed here. Every message
gets a number (``#4``); the buttons of the latest reply are numbered from 1, so ``1`` clicks
the first button just shown, and an older button is reached only explicitly, by its message
(``:click 4.2``). A message Slack would refuse is printed as Slack's refusal. Sandbox
provider; in-memory Redis unless REDIS_URL is set.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import IO, Any

from slack_bolt.request.async_request import AsyncBoltRequest

from bot import store
from bot.config import Settings
from bot.console import payloads, sms
from bot.console.render import mrkdwn_to_text, render_blocks
from bot.console.slack_stub import Call, SlackStub
from bot.providers.http import create_http_client
from bot.server import create_app
from bot.services import Services, build_services, slack_client

__all__ = ["CONSOLE_CHANNEL", "CONSOLE_TEAM", "CONSOLE_USER", "Console", "RealProvidersRefused", "lines_from"]

CONSOLE_TEAM = "T0CONSOLE"
CONSOLE_USER = "U0CONSOLE"
CONSOLE_CHANNEL = "C0CONSOLE"
CONSOLE_APPROVALS = "C0APPROVALS"

HELP = """\
Type a slash command as you would in Slack, e.g.
  /number help            /number search GB 20          /number list
Click a button of the latest reply by its number:  1   (or: click 1)
A button of an older message, by message and button:  :click 4.2
Other console commands:
  :as U0ALICE   act as another Slack user (who has no role until an admin grants one)
  :home         open your App Home tab (the dashboard); its buttons are clicked like any other
  :whoami       who you are acting as
  :sms +44… hi  an SMS to a sandbox number (route it first: /number sms-to +44… #console)
  :help         this text            :quit   leave
You start as {user}, an admin (BOT_ADMINS), in channel {channel}."""


class RealProvidersRefused(Exception):
    """The settings enable real providers and the operator did not say the console may use them."""

    def __init__(self, real: list[str]) -> None:
        super().__init__(
            f"real provider credentials are configured ({', '.join(real)}); the console makes you an admin "
            "who can buy, forward and release for real. Unset them, or pass --allow-real-providers"
        )


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


async def lines_from(stream: IO[str], prompt: Callable[[], str]) -> AsyncIterator[str]:
    """Input lines without blocking the event loop (the app keeps running meanwhile)."""
    interactive = stream.isatty()
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(input, prompt())
            except EOFError:
                return
        else:
            line = await asyncio.to_thread(stream.readline)
            if not line:
                return
            line = line.rstrip("\n")
            if line.strip():
                print(f"{prompt()}{line}", flush=True)
        yield line


class Console:
    def __init__(self, settings: Settings, *, out: IO[str] | None = None, allow_real: bool = False) -> None:
        """`allow_real`: --allow-real-providers; without it, configured real providers stop the start."""
        self.base_settings = settings
        self.allow_real = allow_real
        self.real: list[str] = []
        self.out = out or sys.stdout
        self.stub = SlackStub(team_id=CONSOLE_TEAM)
        self.secret = secrets.token_hex(16)
        self.user = CONSOLE_USER
        self.latest: list[Button] = []  # the buttons of the latest reply, numbered from 1
        self.messages: dict[int, list[Button]] = {}  # every message's buttons, by message number
        self._message_numbers = itertools.count(1)
        self._message_of: dict[str, int] = {}  # response_url key → the message it last showed
        self._new_reply = False
        self._keys = itertools.count(1)
        self._pending: list[Call] = []
        self._views: list[dict[str, Any]] = []
        self._home_shown = False  # the Home tab was asked for (:home or a click in it): print it
        self.services: Services | None = None
        self.app: Any = None
        self._web: Any = None  # the bot's HTTP surface (webhooks) on a local port, for :sms
        self._web_url = ""

    # -- setup ----------------------------------------------------------------------

    async def start(self) -> None:
        await self.stub.start()
        self.stub.listeners.append(self._pending.append)
        settings = self.base_settings.model_copy(
            update={
                "slack_api_url": self.stub.api_url,
                "bot_admins": tuple(dict.fromkeys((*self.base_settings.bot_admins, CONSOLE_USER))),
                "sandbox": True,
                "approvals_channel": self.base_settings.approvals_channel or CONSOLE_APPROVALS,
            }
        )
        redis = (
            store.in_memory()
            if settings.redis_url is None and settings.redis_topology == "single"
            else store.connect(settings)
        )
        self.services = build_services(
            settings, redis=redis, http=create_http_client(), slack=slack_client(settings, token="xoxb-console")
        )
        self.app = create_app(self.services, signing_secret=self.secret)
        providers = self.services.providers
        self.real = sorted(set(providers) - providers.simulated_names)
        if self.real and not self.allow_real:
            await self.stop()
            raise RealProvidersRefused(self.real)
        self.stub.add_channel(CONSOLE_CHANNEL, name="console", members=[CONSOLE_USER])
        self._web, self._web_url = await sms.serve(self.app, self.services)

    async def stop(self) -> None:
        if self._web is not None:
            await self._web.cleanup()
        if self.services is not None:
            await self.services.lifecycle.drain(10)
            await self.services.aclose()
        await self.stub.stop()

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    # -- sending --------------------------------------------------------------------

    async def _dispatch(self, body: str) -> tuple[int, str]:
        assert self.app is not None
        assert self.services is not None
        request = AsyncBoltRequest(body=body, headers=payloads.signed_headers(self.secret, body))
        response = await self.app.async_dispatch(request)
        return response.status, response.body

    async def _settle(self) -> None:
        assert self.services is not None
        await asyncio.sleep(0)
        await self.services.lifecycle.drain(60)
        self._flush()

    async def command(self, text: str, ask: Callable[[str], Any] | None = None) -> None:
        self._new_reply = True
        key = f"m{next(self._keys)}"
        body = payloads.slash_command(
            team_id=CONSOLE_TEAM,
            user_id=self.user,
            channel_id=CONSOLE_CHANNEL,
            text=sms.link_channels(text, self.stub),  # as Slack escapes it: #console → <#C0CONSOLE|console>
            response_url=self.stub.response_url(key),
            trigger_id=f"trigger.{key}",
        )
        status, raw = await self._dispatch(body)
        if status != 200:
            self.say(f"(Slack would show an error: HTTP {status} {raw})")
        elif raw:
            self._show(key, _parse_body(raw), replace=False)
        await self._settle()
        await self._modals(ask)

    async def home(self) -> None:
        """Open the App Home tab, as Slack does when the user clicks the app (app_home_opened)."""
        self._new_reply = self._home_shown = True
        event = payloads.app_home_opened(team_id=CONSOLE_TEAM, user_id=self.user, event_id=f"Ev{next(self._keys)}")
        status, raw = await self._dispatch(event)
        if status != 200:
            self.say(f"(Slack would show an error: HTTP {status} {raw})")
        await self._settle()
        self._home_shown = False

    async def click(self, number: int, ask: Callable[[str], Any] | None = None) -> None:
        """Click button `number` of the latest reply."""
        if not 1 <= number <= len(self.latest):
            older = f" Older buttons: :click <message>.<button>, e.g. :click {max(self.messages, default=1)}.1."
            self.say(f"The latest reply has no button [{number}].{older if self.messages else ''}")
            return
        await self._press(self.latest[number - 1], ask)

    async def click_in(self, message: int, number: int, ask: Callable[[str], Any] | None = None) -> None:
        """Click button `number` of message `message` (any message shown so far)."""
        buttons = self.messages.get(message, [])
        if not 1 <= number <= len(buttons):
            self.say(f"Message #{message} has no button [{number}].")
            return
        await self._press(buttons[number - 1], ask)

    async def _press(self, button: Button, ask: Callable[[str], Any] | None) -> None:
        self.say(f"(clicking “{button.text}” in message #{button.message})")
        if button.confirm is not None:
            question = f"{_plain(button.confirm.get('title'))}: {_plain(button.confirm.get('text'))} [y/N] "
            answer = await ask(question) if ask else "y"
            if str(answer).strip().lower() not in ("y", "yes"):
                self.say("(not clicked)")
                return
        action = {
            "action_id": button.action_id,
            "value": button.value,
            "text": {"type": "plain_text", "text": button.text},
        }
        if button.home:
            body = payloads.home_actions(
                team_id=CONSOLE_TEAM,
                user_id=self.user,
                action=action,
                trigger_id=f"trigger.click{button.message}",
                view_id=f"V0HOME{self.user}",
                block_id=button.block_id,
            )
        else:
            body = payloads.block_actions(
                team_id=CONSOLE_TEAM,
                user_id=self.user,
                channel_id=CONSOLE_CHANNEL,
                action=action,
                response_url=self.stub.response_url(button.message_key),
                trigger_id=f"trigger.click{button.message}",
                block_id=button.block_id,
            )
        self._new_reply = True
        self._home_shown = button.home
        status, raw = await self._dispatch(body)
        if status != 200:
            self.say(f"(Slack would show an error: HTTP {status} {raw})")
        await self._settle()
        self._home_shown = False
        await self._modals(ask)

    async def _modals(self, ask: Callable[[str], Any] | None) -> None:
        """Fill in any modal the bot opened, field by field, and submit it."""
        while True:
            opened = [c for c in self._views if not c.get("_done")]
            if not opened:
                return
            view = opened[0]
            view["_done"] = True
            if ask is None:
                self.say("(a form opened; the console needs interactive input to fill it in)")
                return
            await self._fill(view["view"], ask)

    async def _fill(self, view: dict[str, Any], ask: Callable[[str], Any]) -> None:
        self.say(f"== form: {_plain(view.get('title'))} ==")
        while True:
            values: dict[str, dict[str, Any]] = {}
            for block in view.get("blocks", []):
                if block.get("type") != "input":
                    continue
                element = block["element"]
                label = _plain(block.get("label"))
                optional = " (optional)" if block.get("optional") else ""
                if element["type"] == "static_select":
                    options = element.get("options", [])
                    for i, option in enumerate(options, 1):
                        self.say(f"   {i}. {_plain(option['text'])}")
                    raw = str(await ask(f"{label}{optional} [1-{len(options)}]: ")).strip()
                    chosen = (
                        options[int(raw) - 1]
                        if raw.isdigit() and 1 <= int(raw) <= len(options)
                        else element.get("initial_option")
                    )
                    state: dict[str, Any] = {"type": "static_select", "selected_option": chosen}
                else:
                    raw = str(await ask(f"{label}{optional}: ")).strip()
                    state = {"type": "plain_text_input", "value": raw or None}
                values[block["block_id"]] = {element["action_id"]: state}
            body = payloads.view_submission(team_id=CONSOLE_TEAM, user_id=self.user, view=view, values=values)
            status, raw_body = await self._dispatch(body)
            answer = _parse_body(raw_body) if raw_body else {}
            if status == 200 and answer.get("response_action") == "errors":
                for message in answer.get("errors", {}).values():
                    self.say(f"  ! {message}")
                continue
            await self._settle()
            return

    # -- printing -------------------------------------------------------------------

    def _flush(self) -> None:
        pending, self._pending[:] = list(self._pending), []
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
                self._show(call.method, data, replace=replace)
            elif call.kind == "api" and call.method in ("chat.postEphemeral", "chat.postMessage"):
                where = (
                    "only you see this"
                    if call.method == "chat.postEphemeral"
                    else f"posted to {call.data.get('channel')}"
                )
                self._show(f"m{next(self._keys)}", call.data, replace=False, note=where)
            elif call.kind == "api" and call.method == "chat.update":
                self._show(
                    f"m{next(self._keys)}",
                    call.data,
                    replace=True,
                    note=f"message in {call.data.get('channel')} updated",
                )
            elif call.kind == "api" and call.method == "views.publish":
                self._published(call)
            elif call.kind == "api" and call.method in ("views.open", "views.update"):
                view = call.data.get("view")
                view = json.loads(view) if isinstance(view, str) else view
                if any(b.get("type") == "input" for b in view.get("blocks", [])):
                    self._views.append({"view": view})
                else:  # nothing to fill in: a modal that shows something (Info from the Home tab)
                    opened = call.method == "views.open"
                    view_id = call.answer.get("view", {}).get("id") if opened else call.data.get("view_id")
                    self._show(f"modal-{view_id}", view, replace=not opened, note="a modal")
            elif call.kind == "api" and call.method == "files.completeUploadExternal":
                where = call.data.get("channel_id")
                self.say(f"(file uploaded to {where})" if where else "(file uploaded, shared nowhere: views show it)")
            elif call.kind == "upload":
                self.say(call.data.get("content", ""))

    def _published(self, call: Call) -> None:
        """A Home tab: shown when asked for, else one line (it is published on every change)."""
        user = call.data.get("user_id")
        if user != self.user or not self._home_shown:
            self.say(f"(the Home tab of {user} was updated{'; :home shows it' if user == self.user else ''})")
            return
        view = call.data.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        self._show(f"home-{user}", view, replace=f"home-{user}" in self._message_of, note="your Home tab", home=True)

    def _show(
        self, key: str, data: dict[str, Any], *, replace: bool, note: str | None = None, home: bool = False
    ) -> None:
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
                text=_plain(element.get("text")),
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

    # -- the loop -------------------------------------------------------------------

    async def run(self, source: AsyncIterator[str], ask: Callable[[str], Any]) -> None:
        self.say(HELP.format(user=self.user, channel=CONSOLE_CHANNEL))
        if self.real:
            self.say(
                f"!! Real providers: {', '.join(self.real)}. What you buy, forward or release through them "
                "here is real and billed to the account."
            )
        self.say()
        async for raw in source:
            line = raw.strip()
            if not line:
                continue
            if line in (":quit", ":q", "exit", "quit"):
                return
            if line == ":help":
                self.say(HELP.format(user=self.user, channel=CONSOLE_CHANNEL))
            elif line == ":home":
                await self.home()
            elif line == ":whoami":
                self.say(f"You are {self.user}.")
            elif line.startswith(":as"):
                who = line[3:].strip().upper()
                if who and who[0] in "UW" and who.isalnum():
                    self.user = who
                    self.stub.channels[CONSOLE_CHANNEL].members.append(who)  # typing in it, so a member
                    self.say(f"You are now {who}.")
                else:
                    self.say("Usage: :as U0ALICE")
            elif line.startswith(":sms"):
                assert self.services is not None
                self._new_reply = True
                self.say(await sms.send(self.services, self._web_url, CONSOLE_TEAM, line.removeprefix(":sms")))
                await self._settle()
            elif line.startswith(":click") or line.removeprefix("click").strip().isdigit():
                await self._click_command(line.removeprefix(":click").removeprefix("click").strip(), ask)
            else:
                text = (
                    line.removeprefix("/number").removeprefix("number")
                    if line.startswith(("/number", "number"))
                    else line
                )
                await self.command(text.strip(), ask)

    async def _click_command(self, target: str, ask: Callable[[str], Any]) -> None:
        """`3` (the latest reply's third button) or `4.2` (message #4's second button)."""
        message, _, number = target.partition(".")
        if number and message.isdigit() and number.isdigit():
            await self.click_in(int(message), int(number), ask)
        elif target.isdigit():
            await self.click(int(target), ask)
        else:
            self.say("Usage: 3 (a button of the latest reply) or :click 4.2 (button 2 of message #4)")


def _plain(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return str(obj or "")


def _parse_body(raw: str) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {"text": raw}
    return parsed if isinstance(parsed, dict) else {"text": raw}
