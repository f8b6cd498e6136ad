"""Slack request bodies as Slack sends them, and their signatures.

The console types into the app through these, exactly as Slack would post to
/slack/events: form-encoded slash commands, `payload=` JSON for interactivity, signed with
the signing secret (`v0:timestamp:body`, HMAC-SHA256, via slack_sdk).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

__all__ = ["app_home_opened", "block_actions", "home_actions", "signed_headers", "slash_command", "view_submission"]


def signed_headers(secret: str, body: str, *, timestamp: int | None = None, retry: int | None = None) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    headers = {
        "content-type": "application/json" if body.startswith("{") else "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature or "",
    }
    if retry is not None:
        headers["x-slack-retry-num"] = str(retry)
        headers["x-slack-retry-reason"] = "http_timeout"
    return headers


def slash_command(
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    text: str,
    response_url: str,
    trigger_id: str,
    command: str = "/number",
) -> str:
    return urlencode(
        {
            "token": "unused-verification-token",
            "team_id": team_id,
            "team_domain": "numberbot",
            "channel_id": channel_id,
            "channel_name": "numbers",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0NUMBERBOT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def block_actions(
    *,
    team_id: str,
    user_id: str,
    channel_id: str | None,
    action: dict[str, Any],
    response_url: str,
    trigger_id: str,
    message: dict[str, Any] | None = None,
    block_id: str = "b",
    ephemeral: bool = True,
) -> str:
    ts = (message or {}).get("ts", "1700000000.000100")
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel_id,
        "is_ephemeral": ephemeral,
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0NUMBERBOT",
        "token": "unused-verification-token",
        "container": container,
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": "numberbot"},
        "channel": {"id": channel_id, "name": "numbers"} if channel_id else None,
        "response_url": response_url,
        "actions": [
            {
                "type": action.get("type", "button"),
                "action_id": action["action_id"],
                "block_id": block_id,
                "text": action.get("text", {"type": "plain_text", "text": ""}),
                "value": action.get("value", ""),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if message is not None:
        payload["message"] = message
    if payload["channel"] is None:
        del payload["channel"]
    return urlencode({"payload": json.dumps(payload)})


def app_home_opened(*, team_id: str, user_id: str, event_id: str, tab: str = "home") -> str:
    """The Events API's JSON for a user opening the app's Home tab (or its Messages tab)."""
    now = time.time()
    return json.dumps(
        {
            "token": "unused-verification-token",
            "team_id": team_id,
            "api_app_id": "A0NUMBERBOT",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(now),
            "event": {
                "type": "app_home_opened",
                "user": user_id,
                "channel": "D0" + user_id[1:9],
                "tab": tab,
                "event_ts": f"{now:.6f}",
            },
            "authorizations": [{"team_id": team_id, "user_id": "UNUMBERBOT", "is_bot": True}],
        }
    )


def home_actions(
    *, team_id: str, user_id: str, action: dict[str, Any], trigger_id: str, view_id: str, block_id: str = "b"
) -> str:
    """A button clicked in the Home tab: the container is the view; no channel, no response_url."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0NUMBERBOT",
        "token": "unused-verification-token",
        "container": {"type": "view", "view_id": view_id},
        "trigger_id": trigger_id,
        "team": {"id": team_id, "domain": "numberbot"},
        "view": {"id": view_id, "type": "home", "team_id": team_id, "state": {"values": {}}},
        "actions": [
            {
                "type": "button",
                "action_id": action["action_id"],
                "block_id": block_id,
                "text": action.get("text", {"type": "plain_text", "text": ""}),
                "value": action.get("value", ""),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission(*, team_id: str, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> str:
    """`values`: block_id → {action_id: state} as Slack puts them in view.state.values."""
    submitted = {**view, "id": view.get("id", "V0CONSOLE"), "state": {"values": values}, "team_id": team_id}
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "numberbot"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
        "api_app_id": "A0NUMBERBOT",
        "token": "unused-verification-token",
        "trigger_id": f"{int(time.time())}.console",
        "view": submitted,
        "response_urls": [],
    }
    return urlencode({"payload": json.dumps(payload)})
