"""A modal form, filled in at the terminal field by field and submitted until the bot accepts it.

The console has no form widgets: each input block becomes a question (a numbered list for a
select), and the answers are sent back as Slack's `view_submission` state. Errors the bot
returns for fields (``response_action: errors``) are printed and the form is asked again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.console.render import plain_text

__all__ = ["Ask", "Submit", "Values", "answers", "fill"]

Ask = Callable[[str], Awaitable[Any]]  # asks the operator a question: what they typed (EOFError: no more input)
Values = dict[str, dict[str, Any]]  # view_submission state: block_id → action_id → element state
Submit = Callable[[dict[str, Any], Values], Awaitable[list[str] | None]]  # None: accepted, else the errors


async def fill(view: dict[str, Any], *, ask: Ask, say: Callable[[str], None], submit: Submit) -> None:
    """Ask for every input of `view` and `submit` the answers, again while the bot finds errors."""
    say(f"== form: {plain_text(view.get('title'))} ==")
    while True:
        try:
            values = await answers(view, ask=ask, say=say)
        except EOFError:
            say("(the input ended: the form was not submitted)")
            return
        errors = await submit(view, values)
        if errors is None:
            return
        for message in errors:
            say(f"  ! {message}")


async def answers(view: dict[str, Any], *, ask: Ask, say: Callable[[str], None]) -> Values:
    """One question per input block; a select lists its options and takes a number (else its default)."""
    values: Values = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        label = plain_text(block.get("label"))
        optional = " (optional)" if block.get("optional") else ""
        if element["type"] == "static_select":
            options = element.get("options", [])
            for i, option in enumerate(options, 1):
                say(f"   {i}. {plain_text(option['text'])}")
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
    return values
