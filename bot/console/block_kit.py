"""Slack's documented Block Kit limits, checked the way Slack checks them.

The Slack stand-in (``slack_stub``) runs every ``chat.*`` message, ``views.*`` view and
``response_url`` post through here, so that a message Slack would refuse is refused in the
tests and the console too. Each problem reads like Slack's own: ``must be at most 75
characters [json-pointer:/blocks/3/elements/0/text/text]``.

Limits (Slack's Block Kit reference: blocks, block elements, composition objects, views):
50 blocks in a message, 100 in a modal or Home tab; block_id at most 255 characters and
unique within a message or view; action_id at most 255 and unique within its block; an
actions block holds 1–25 elements, a context block 1–10, a section at most 10 fields (2000
characters each) and a text of 3000; a header 150; a button's text 75 and value 2000; an
option's text 75 and value 150, at most 100 options; a confirm dialog's title 100, text 300,
buttons 30; a modal's title, submit and close 24, its private_metadata 3000, and a submit
button whenever it has input blocks; every text object has a type and a non-empty text. An
image block has an alt_text (2000), a plain_text title (2000) if any, and exactly one of
image_url (3000) and slack_file, a Slack file object with exactly one of id and url; given the
files the workspace has, a slack_file id that is not one of them is "invalid slack file".
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

__all__ = ["MESSAGE_BLOCKS", "VIEW_BLOCKS", "message_problems", "submission_answer_problems", "view_problems"]

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
ID_LENGTH = 255
_TEXT_TYPES = ("plain_text", "mrkdwn")
_STYLES = ("primary", "danger")


class _Checker:
    """Collects problems, each with the JSON pointer Slack would name."""

    def __init__(self, files: Collection[str] | None = None) -> None:
        self.problems: list[str] = []
        self.files = files  # the ids of uploaded files (None: not checked)

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{message} [json-pointer:{where}]")

    def items(self, where: str, value: object, most: int) -> list[Any]:
        """A list of 1 to `most` items; empty (and a problem) otherwise."""
        if isinstance(value, list) and 1 <= len(value) <= most:
            return value
        self.fail(where, f"must hold 1 to {most} items")
        return []

    def length(self, where: str, value: object, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(where, f"must be at most {limit} characters")

    def text(self, where: str, obj: object, limit: int, *, plain: bool = False, required: bool = True) -> None:
        """A text object: its type, a non-empty text, the length limit."""
        if obj is None:
            if required:
                self.fail(where, "missing required field: text")
            return
        if not isinstance(obj, dict):
            self.fail(where, "must be a text object")
            return
        allowed = ("plain_text",) if plain else _TEXT_TYPES
        if obj.get("type") not in allowed:
            self.fail(f"{where}/type", f"must be one of {', '.join(allowed)}")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.fail(f"{where}/text", "must be a string of at least 1 character")
            return
        self.length(f"{where}/text", text, limit)

    def action_id(self, where: str, element: dict[str, Any], seen: set[str]) -> None:
        action = element.get("action_id")
        if action is None:
            return  # optional: Slack makes one up
        if not isinstance(action, str) or not action:
            self.fail(f"{where}/action_id", "must be a non-empty string")
            return
        self.length(f"{where}/action_id", action, ID_LENGTH)
        if action in seen:
            self.fail(f"{where}/action_id", f"action_id {action!r} is already used in this block")
        seen.add(action)

    # -- elements -------------------------------------------------------------------------

    def element(self, where: str, element: object, seen: set[str]) -> None:
        if not isinstance(element, dict):
            self.fail(where, "must be an element object")
            return
        kind = element.get("type")
        self.action_id(where, element, seen)
        if kind == "button":
            self.text(f"{where}/text", element.get("text"), 75, plain=True)
            self.length(f"{where}/value", element.get("value"), 2000)
            self.length(f"{where}/url", element.get("url"), 3000)
            if "style" in element and element["style"] not in _STYLES:
                self.fail(f"{where}/style", "must be primary or danger")
        elif kind == "static_select":
            self.select(where, element)
        elif kind == "plain_text_input":
            self.text(f"{where}/placeholder", element.get("placeholder"), 150, plain=True, required=False)
            for bound in ("min_length", "max_length"):
                value = element.get(bound)
                if value is not None and not (isinstance(value, int) and 0 <= value <= 3000):
                    self.fail(f"{where}/{bound}", "must be an integer from 0 to 3000")
        elif kind != "image":
            self.fail(f"{where}/type", f"unsupported element type: {kind}")
        if "confirm" in element:
            self.confirm(f"{where}/confirm", element["confirm"])

    def select(self, where: str, element: dict[str, Any]) -> None:
        options = self.items(f"{where}/options", element.get("options"), 100)
        for i, option in enumerate(options):
            self.option(f"{where}/options/{i}", option)
        initial = element.get("initial_option")
        if initial is not None:
            self.option(f"{where}/initial_option", initial)
            if initial not in options:
                self.fail(f"{where}/initial_option", "must be one of the options")
        self.text(f"{where}/placeholder", element.get("placeholder"), 150, plain=True, required=False)

    def option(self, where: str, option: object) -> None:
        if not isinstance(option, dict):
            self.fail(where, "must be an option object")
            return
        self.text(f"{where}/text", option.get("text"), 75)
        value = option.get("value")
        if not isinstance(value, str) or not value:
            self.fail(f"{where}/value", "missing required field: value")
        self.length(f"{where}/value", value, 150)

    def confirm(self, where: str, dialog: object) -> None:
        if not isinstance(dialog, dict):
            self.fail(where, "must be a confirmation dialog object")
            return
        self.text(f"{where}/title", dialog.get("title"), 100, plain=True)
        self.text(f"{where}/text", dialog.get("text"), 300)
        self.text(f"{where}/confirm", dialog.get("confirm"), 30, plain=True)
        self.text(f"{where}/deny", dialog.get("deny"), 30, plain=True)
        if "style" in dialog and dialog["style"] not in _STYLES:
            self.fail(f"{where}/style", "must be primary or danger")

    # -- blocks ---------------------------------------------------------------------------

    def blocks(self, where: str, blocks: object, limit: int) -> None:
        if not isinstance(blocks, list):
            self.fail(where, "must be an array of blocks")
            return
        if len(blocks) > limit:
            self.fail(where, f"must be less than {limit + 1} items")
        block_ids: set[str] = set()
        for i, block in enumerate(blocks):
            self.block(f"{where}/{i}", block, block_ids)

    def block(self, where: str, block: object, block_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.fail(where, "must be a block object")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.length(f"{where}/block_id", block_id, ID_LENGTH)
            if block_id in block_ids:
                self.fail(f"{where}/block_id", f"block_id {block_id!r} is already used in this message or view")
            block_ids.add(str(block_id))
        check = _BLOCK_CHECKS.get(str(block.get("type")))
        if check is None:
            self.fail(f"{where}/type", f"unsupported block type: {block.get('type')}")
            return
        check(self, where, block)

    def _section(self, where: str, block: dict[str, Any]) -> None:
        fields = block.get("fields")
        if block.get("text") is None and not fields:
            self.fail(where, "must define either `text` or `fields`")
        self.text(f"{where}/text", block.get("text"), 3000, required=False)
        if fields is not None:
            for i, item in enumerate(self.items(f"{where}/fields", fields, 10)):
                self.text(f"{where}/fields/{i}", item, 2000)
        if "accessory" in block:
            self.element(f"{where}/accessory", block["accessory"], set())

    def _header(self, where: str, block: dict[str, Any]) -> None:
        self.text(f"{where}/text", block.get("text"), 150, plain=True)

    def _divider(self, where: str, block: dict[str, Any]) -> None:
        return None

    def _context(self, where: str, block: dict[str, Any]) -> None:
        for i, element in enumerate(self.items(f"{where}/elements", block.get("elements"), 10)):
            if isinstance(element, dict) and element.get("type") == "image":
                continue
            self.text(f"{where}/elements/{i}", element, 3000)

    def _actions(self, where: str, block: dict[str, Any]) -> None:
        seen: set[str] = set()
        for i, element in enumerate(self.items(f"{where}/elements", block.get("elements"), 25)):
            self.element(f"{where}/elements/{i}", element, seen)

    def _image(self, where: str, block: dict[str, Any]) -> None:
        alt = block.get("alt_text")
        if not isinstance(alt, str) or not alt:
            self.fail(f"{where}/alt_text", "missing required field: alt_text")
        self.length(f"{where}/alt_text", alt, 2000)
        self.text(f"{where}/title", block.get("title"), 2000, plain=True, required=False)
        url, file = block.get("image_url"), block.get("slack_file")
        if (url is None) == (file is None):
            self.fail(where, "must provide either image_url or slack_file")
        if url is not None:
            if not isinstance(url, str) or not url:
                self.fail(f"{where}/image_url", "must be a string of at least 1 character")
            self.length(f"{where}/image_url", url, 3000)
        if file is not None:
            self.slack_file(f"{where}/slack_file", file)

    def slack_file(self, where: str, file: object) -> None:
        if not isinstance(file, dict) or ("id" in file) == ("url" in file):
            self.fail(where, "must be a slack file object with either id or url")
            return
        file_id = file.get("id")
        if file_id is not None and self.files is not None and file_id not in self.files:
            self.fail(where, "invalid slack file")

    def _input(self, where: str, block: dict[str, Any]) -> None:
        self.text(f"{where}/label", block.get("label"), 2000, plain=True)
        self.text(f"{where}/hint", block.get("hint"), 2000, plain=True, required=False)
        if "element" not in block:
            self.fail(where, "missing required field: element")
        else:
            self.element(f"{where}/element", block["element"], set())


_BLOCK_CHECKS = {
    "section": _Checker._section,
    "header": _Checker._header,
    "divider": _Checker._divider,
    "context": _Checker._context,
    "actions": _Checker._actions,
    "input": _Checker._input,
    "image": _Checker._image,
}


def message_problems(data: dict[str, Any], files: Collection[str] | None = None) -> list[str]:
    """Why Slack would refuse a message (chat.*, response_url), or nothing; `files`: the ids of
    the files uploaded (an image block naming another is refused), None not to check them."""
    checker = _Checker(files)
    if data.get("delete_original"):
        return []
    if "blocks" in data and data["blocks"] is not None:
        checker.blocks("/blocks", data["blocks"], MESSAGE_BLOCKS)
    elif not data.get("text"):
        checker.fail("/text", "missing required field: text")
    return checker.problems


def view_problems(view: object, files: Collection[str] | None = None) -> list[str]:
    """Why Slack would refuse a modal or Home tab view (views.*), or nothing (`files` as above)."""
    checker = _Checker(files)
    if not isinstance(view, dict):
        checker.fail("/view", "must be a view object")
        return checker.problems
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.fail("/view/type", "must be modal or home")
    if "blocks" not in view:
        checker.fail("/view", "missing required field: blocks")
    else:
        checker.blocks("/view/blocks", view["blocks"], VIEW_BLOCKS)
    checker.length("/view/callback_id", view.get("callback_id"), ID_LENGTH)
    checker.length("/view/external_id", view.get("external_id"), ID_LENGTH)
    checker.length("/view/private_metadata", view.get("private_metadata"), 3000)
    if kind == "modal":
        checker.text("/view/title", view.get("title"), 24, plain=True)
        checker.text("/view/close", view.get("close"), 24, plain=True, required=False)
        checker.text("/view/submit", view.get("submit"), 24, plain=True, required=False)
        blocks = view.get("blocks") if isinstance(view.get("blocks"), list) else []
        if view.get("submit") is None and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks):
            checker.fail("/view", "missing required field: submit (a modal with input blocks needs one)")
    return checker.problems


def submission_answer_problems(view: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    """Why Slack would refuse the acknowledgement of a view_submission: `errors` must name input
    blocks of the submitted view (Slack shows each under its input; any other key fails the form)."""
    if answer.get("response_action") != "errors":
        return []
    errors = answer.get("errors")
    if not isinstance(errors, dict) or not errors:
        return ["/errors: must be an object of block_id: message"]
    inputs = {b.get("block_id") for b in view.get("blocks", []) if isinstance(b, dict) and b.get("type") == "input"}
    problems = [f"/errors/{key}: not the block_id of an input block in the view" for key in errors if key not in inputs]
    problems += [f"/errors/{key}: must be a non-empty string" for key, message in errors.items() if not message]
    return problems
