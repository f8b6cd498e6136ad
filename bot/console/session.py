"""`python -m bot console`: drive the real app from a terminal.

What you type is sent as signed Slack requests through the same Bolt app the server runs;
what the bot sends to Slack lands in a local Slack stand-in and is printed here (screen.py:
numbered messages, numbered buttons; ``1`` clicks the first button of the latest reply, an
older one is reached by its message, ``:click 4.2``); a modal the bot opens is filled in field
by field (forms.py). Sandbox provider; in-memory Redis unless REDIS_URL is set.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from collections.abc import AsyncIterator
from typing import IO, Any

from slack_bolt.request.async_request import AsyncBoltRequest

from bot import store
from bot.config import Settings
from bot.console import forms, payloads, sms
from bot.console.block_kit import submission_answer_problems
from bot.console.forms import Ask, Values
from bot.console.render import plain_text
from bot.console.screen import Button, Screen
from bot.console.slack_stub import SlackStub
from bot.console.terminal import lines_from  # importable from here, as it always was
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


class Console:
    """One operator at the terminal: types into the real app as Slack would, sees what the bot sent."""

    def __init__(self, settings: Settings, *, out: IO[str] | None = None, allow_real: bool = False) -> None:
        """`allow_real`: --allow-real-providers; without it, configured real providers stop the start."""
        self.base_settings = settings
        self.allow_real = allow_real
        self.real: list[str] = []
        self.screen = Screen(out or sys.stdout)
        self.stub = SlackStub(team_id=CONSOLE_TEAM)
        self.secret = secrets.token_hex(16)
        self.user = CONSOLE_USER
        self._forms: list[dict[str, Any]] = []  # modals with inputs the bot opened, oldest first
        self.services: Services | None = None
        self.app: Any = None
        self._web: Any = None  # the bot's HTTP surface (webhooks) on a local port, for :sms
        self._web_url = ""

    # -- setup ----------------------------------------------------------------------

    async def start(self) -> None:
        await self.stub.start()
        self.stub.listeners.append(self.screen.pending.append)
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

    @property
    def latest(self) -> list[Button]:
        """The buttons of the latest reply, numbered from 1."""
        return self.screen.latest

    @property
    def messages(self) -> dict[int, list[Button]]:
        """Every message's buttons, by message number."""
        return self.screen.messages

    def say(self, text: str = "") -> None:
        self.screen.say(text)

    # -- sending --------------------------------------------------------------------

    async def _dispatch(self, body: str) -> tuple[int, str]:
        assert self.app is not None
        assert self.services is not None
        request = AsyncBoltRequest(body=body, headers=payloads.signed_headers(self.secret, body))
        response = await self.app.async_dispatch(request)
        return response.status, response.body

    async def _settle(self, *, show_home: bool = False) -> None:
        """Let the app finish what it started, then print what it sent (`show_home`: it was asked for)."""
        assert self.services is not None
        await asyncio.sleep(0)
        await self.services.lifecycle.drain(60)
        self._forms += self.screen.flush(user=self.user, show_home=show_home)

    async def command(self, text: str, ask: Ask | None = None) -> None:
        self.screen.start_reply()
        key = self.screen.new_key()
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
            self.screen.show(key, _parse_body(raw), replace=False)
        await self._settle()
        await self._modals(ask)

    async def home(self) -> None:
        """Open the App Home tab, as Slack does when the user clicks the app (app_home_opened)."""
        self.screen.start_reply()
        event = payloads.app_home_opened(team_id=CONSOLE_TEAM, user_id=self.user, event_id=self.screen.new_key("Ev"))
        status, raw = await self._dispatch(event)
        if status != 200:
            self.say(f"(Slack would show an error: HTTP {status} {raw})")
        await self._settle(show_home=True)

    async def click(self, number: int, ask: Ask | None = None) -> None:
        """Click button `number` of the latest reply."""
        if (button := self.screen.button(number)) is not None:
            await self._press(button, ask)

    async def click_in(self, message: int, number: int, ask: Ask | None = None) -> None:
        """Click button `number` of message `message` (any message shown so far)."""
        if (button := self.screen.button_in(message, number)) is not None:
            await self._press(button, ask)

    async def _press(self, button: Button, ask: Ask | None) -> None:
        self.say(f"(clicking “{button.text}” in message #{button.message})")
        if button.confirm is not None:
            question = f"{plain_text(button.confirm.get('title'))}: {plain_text(button.confirm.get('text'))} [y/N] "
            try:
                answer = await ask(question) if ask else "y"
            except EOFError:  # the input ended: no
                answer = ""
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
        self.screen.start_reply()
        status, raw = await self._dispatch(body)
        if status != 200:
            self.say(f"(Slack would show an error: HTTP {status} {raw})")
        await self._settle(show_home=button.home)
        await self._modals(ask)

    async def _modals(self, ask: Ask | None) -> None:
        """Fill in any modal the bot opened, field by field, and submit it."""
        while self._forms:
            view = self._forms.pop(0)
            if ask is None:
                self.say("(a form opened; the console needs interactive input to fill it in)")
                return
            await forms.fill(view, ask=ask, say=self.say, submit=self._submit)

    async def _submit(self, view: dict[str, Any], values: Values) -> list[str] | None:
        """Send a filled-in form; the errors the bot found in it, or None when it took it."""
        body = payloads.view_submission(team_id=CONSOLE_TEAM, user_id=self.user, view=view, values=values)
        status, raw_body = await self._dispatch(body)
        answer = _parse_body(raw_body) if raw_body else {}
        if status == 200 and (problems := submission_answer_problems(view, answer)):
            self.say("(Slack refused the bot's answer to the form: invalid_arguments)")
            for problem in problems:
                self.say(f"  ! {problem}")
            return None
        if status == 200 and answer.get("response_action") == "errors":
            return list(answer.get("errors", {}).values())
        await self._settle()
        return None

    # -- the loop -------------------------------------------------------------------

    async def run(self, source: AsyncIterator[str], ask: Ask) -> None:
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
                self.screen.start_reply()
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

    async def _click_command(self, target: str, ask: Ask) -> None:
        """`3` (the latest reply's third button) or `4.2` (message #4's second button)."""
        message, _, number = target.partition(".")
        if number and message.isdigit() and number.isdigit():
            await self.click_in(int(message), int(number), ask)
        elif target.isdigit():
            await self.click(int(target), ask)
        else:
            self.say("Usage: 3 (a button of the latest reply) or :click 4.2 (button 2 of message #4)")


def _parse_body(raw: str) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {"text": raw}
    return parsed if isinstance(parsed, dict) else {"text": raw}
