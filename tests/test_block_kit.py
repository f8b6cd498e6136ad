"""The Slack stand-in's Block Kit checks: each documented limit refuses what Slack refuses."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from bot.console.block_kit import message_problems, submission_answer_problems, view_problems

Edit = Callable[[dict[str, Any]], object]


def _text(text: str, kind: str = "plain_text") -> dict[str, str]:
    return {"type": kind, "text": text}


def _button(action_id: str, text: str = "Go", value: str = "v") -> dict[str, Any]:
    return {"type": "button", "text": _text(text), "action_id": action_id, "value": value}


def valid_message() -> dict[str, Any]:
    return {
        "text": "fallback",
        "blocks": [
            {"type": "header", "text": _text("Title")},
            {"type": "section", "text": _text("*hi*", "mrkdwn"), "accessory": _button("acc")},
            {"type": "section", "fields": [_text("a", "mrkdwn"), _text("b", "mrkdwn")]},
            {"type": "context", "elements": [_text("note", "mrkdwn")]},
            {"type": "divider"},
            {"type": "actions", "block_id": "nav", "elements": [_button("prev"), _button("next", value="n")]},
        ],
    }


def valid_modal() -> dict[str, Any]:
    option = {"text": _text("All"), "value": "all"}
    return {
        "type": "modal",
        "callback_id": "cb",
        "title": _text("Search numbers"),
        "submit": _text("Search"),
        "close": _text("Cancel"),
        "blocks": [
            {"type": "input", "block_id": "c", "label": _text("Country"), "element": {"type": "plain_text_input"}},
            {
                "type": "input",
                "block_id": "p",
                "label": _text("Provider"),
                "element": {"type": "static_select", "action_id": "p", "options": [option], "initial_option": option},
            },
        ],
    }


def test_the_valid_message_and_modal_pass() -> None:
    assert message_problems(valid_message()) == []
    assert view_problems(valid_modal()) == []
    assert view_problems({"type": "home", "blocks": valid_message()["blocks"]}) == []


MESSAGE_CASES: dict[str, tuple[Edit, str]] = {
    "51 blocks": (lambda m: m.__setitem__("blocks", [{"type": "divider"}] * 51), "/blocks]"),
    "equal action ids in a block": (
        lambda m: m["blocks"][5]["elements"][1].update(action_id="prev"),
        "/blocks/5/elements/1/action_id",
    ),
    "equal block ids": (lambda m: m["blocks"][4].update(block_id="nav"), "/blocks/5/block_id"),
    "26 elements in actions": (
        lambda m: m["blocks"][5].__setitem__("elements", [_button(f"b{i}") for i in range(26)]),
        "/blocks/5/elements",
    ),
    "11 fields": (lambda m: m["blocks"][2].__setitem__("fields", [_text("f")] * 11), "/blocks/2/fields"),
    "section text 3001": (lambda m: m["blocks"][1]["text"].update(text="x" * 3001), "/blocks/1/text/text"),
    "field text 2001": (lambda m: m["blocks"][2]["fields"][0].update(text="x" * 2001), "/blocks/2/fields/0/text"),
    "header 151": (lambda m: m["blocks"][0]["text"].update(text="x" * 151), "/blocks/0/text/text"),
    "header in mrkdwn": (lambda m: m["blocks"][0]["text"].update(type="mrkdwn"), "/blocks/0/text/type"),
    "button text 76": (lambda m: m["blocks"][5]["elements"][0]["text"].update(text="x" * 76), "elements/0/text/text"),
    "button value 2001": (lambda m: m["blocks"][5]["elements"][0].update(value="x" * 2001), "elements/0/value"),
    "action id 256": (lambda m: m["blocks"][1]["accessory"].update(action_id="a" * 256), "/accessory/action_id"),
    "block id 256": (lambda m: m["blocks"][0].update(block_id="b" * 256), "/blocks/0/block_id"),
    "11 context elements": (lambda m: m["blocks"][3].__setitem__("elements", [_text("c")] * 11), "/blocks/3/elements"),
    "empty text": (lambda m: m["blocks"][1]["text"].update(text=""), "/blocks/1/text/text"),
    "section without text or fields": (lambda m: m["blocks"][1].pop("text"), "/blocks/1]"),
    "unknown block": (lambda m: m["blocks"][4].update(type="table"), "/blocks/4/type"),
    "neither text nor blocks": (lambda m: (m.pop("blocks"), m.pop("text")), "/text"),
    "confirm title 101": (
        lambda m: m["blocks"][1]["accessory"].__setitem__(
            "confirm",
            {"title": _text("x" * 101), "text": _text("t"), "confirm": _text("y"), "deny": _text("n")},
        ),
        "/accessory/confirm/title/text",
    ),
}


VIEW_CASES: dict[str, tuple[Edit, str]] = {
    "title 25": (lambda v: v["title"].update(text="x" * 25), "/view/title/text"),
    "submit 25": (lambda v: v["submit"].update(text="x" * 25), "/view/submit/text"),
    "close 25": (lambda v: v["close"].update(text="x" * 25), "/view/close/text"),
    "no submit with inputs": (lambda v: v.pop("submit"), "/view]"),
    "101 blocks": (lambda v: v["blocks"].extend([{"type": "divider"}] * 100), "/view/blocks]"),
    "option text 76": (
        lambda v: v["blocks"][1]["element"]["options"][0]["text"].update(text="x" * 76),
        "/options/0/text/text",
    ),
    "option value 151": (lambda v: v["blocks"][1]["element"]["options"][0].update(value="x" * 151), "/options/0/value"),
    "private metadata 3001": (lambda v: v.update(private_metadata="x" * 3001), "/view/private_metadata"),
    "no title": (lambda v: v.pop("title"), "/view/title"),
    "input without element": (lambda v: v["blocks"][0].pop("element"), "/view/blocks/0]"),
}


CASES = [("message", name) for name in sorted(MESSAGE_CASES)] + [("view", name) for name in sorted(VIEW_CASES)]


@pytest.mark.parametrize(("kind", "case"), CASES)
def test_what_slack_refuses_is_refused_saying_where(kind: str, case: str) -> None:
    edit, pointer = (MESSAGE_CASES if kind == "message" else VIEW_CASES)[case]
    payload = copy.deepcopy(valid_message() if kind == "message" else valid_modal())
    edit(payload)
    problems = message_problems(payload) if kind == "message" else view_problems(payload)
    assert any(pointer in p for p in problems), problems


def _image(**fields: Any) -> dict[str, Any]:
    return {"type": "image", "alt_text": "Spend per provider", **fields}


IMAGE_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "no alt_text": ({"type": "image", "slack_file": {"id": "F1"}}, "/blocks/0/alt_text"),
    "alt_text 2001": (_image(alt_text="x" * 2001, slack_file={"id": "F1"}), "/blocks/0/alt_text"),
    "neither url nor file": (_image(), "must provide either image_url or slack_file"),
    "both url and file": (_image(image_url="https://x.test/a.png", slack_file={"id": "F1"}), "either image_url"),
    "image_url 3001": (_image(image_url="https://x.test/" + "a" * 3000), "/blocks/0/image_url"),
    "file with id and url": (_image(slack_file={"id": "F1", "url": "https://x"}), "/blocks/0/slack_file"),
    "file with neither": (_image(slack_file={}), "/blocks/0/slack_file"),
    "title in mrkdwn": (_image(slack_file={"id": "F1"}, title=_text("t", "mrkdwn")), "/blocks/0/title/type"),
    "title 2001": (_image(slack_file={"id": "F1"}, title=_text("x" * 2001)), "/blocks/0/title/text"),
    "a file Slack does not have": (_image(slack_file={"id": "F0NOPE"}), "invalid slack file"),
}


@pytest.mark.parametrize("case", sorted(IMAGE_CASES))
def test_image_blocks_are_checked_as_slack_does(case: str) -> None:
    block, pointer = IMAGE_CASES[case]
    view = {"type": "home", "blocks": [block]}
    problems = view_problems(view, files=["F1"])
    assert any(pointer in p for p in problems), problems
    assert [p.replace("/view", "") for p in problems] == message_problems({"text": "t", "blocks": [block]}, ["F1"])


def test_a_valid_image_block_passes() -> None:
    for block in (_image(slack_file={"id": "F1"}, title=_text("Spend")), _image(image_url="https://x.test/a.png")):
        assert view_problems({"type": "home", "blocks": [block]}, files=["F1"]) == []


def test_form_errors_must_name_an_input_of_the_submitted_view() -> None:
    view = {
        "type": "modal",
        "blocks": [
            {"type": "section", "block_id": "intro", "text": {"type": "mrkdwn", "text": "Deny?"}},
            {"type": "input", "block_id": "reason", "label": {"type": "plain_text", "text": "Reason"}},
        ],
    }
    assert submission_answer_problems(view, {"response_action": "errors", "errors": {"reason": "too long"}}) == []
    assert submission_answer_problems(view, {"response_action": "errors", "errors": {"intro": "no"}}) == [
        "/errors/intro: not the block_id of an input block in the view"
    ]
    assert submission_answer_problems(view, {"response_action": "clear"}) == []
