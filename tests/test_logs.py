"""Logs are JSON lines and never carry a configured secret."""

from __future__ import annotations

import base64
import io
import json
import logging
from urllib.parse import quote, quote_plus, urlencode

import httpx
import pytest
import respx

from bot.config import load_settings
from bot.logs import RedactSecrets, setup_logging
from tests.providers import kazoo_wire
from tests.providers.contract import Account
from tests.providers.kazoo import make_kazoo


def test_secrets_are_scrubbed_from_messages_extras_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets(["hunter2-secret"]))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("token %s used", "hunter2-secret", extra={"url": "https://x/?k=hunter2-secret"})
        try:
            raise ValueError("bad key hunter2-secret")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "hunter2-secret" not in output
    assert "[redacted]" in output


def test_setup_logging_writes_json(capsys) -> None:
    setup_logging(["topsecret-value"])
    logging.getLogger("numberbot.test").info("hello", extra={"number": "+14155550100", "key": "topsecret-value"})
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["message"] == "hello"
    assert record["number"] == "+14155550100"
    assert record["key"] == "[redacted]"
    assert record["level"] == "INFO"
    logging.getLogger().handlers.clear()


# -- every form a secret takes on the wire (SPEC 7), through setup_logging ---------------------

SLACK = {"SLACK_BOT_TOKEN": "xoxb-1-logs", "SLACK_SIGNING_SECRET": "signing-secret-for-logs"}


def configured(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """Log setup exactly as `python -m bot` does it: from the settings' secrets."""
    for name, value in {**SLACK, **values}.items():
        monkeypatch.setenv(name, value)
    setup_logging(load_settings().secrets())


def written(capsys: pytest.CaptureFixture[str]) -> str:
    out = capsys.readouterr().err
    logging.getLogger().handlers.clear()
    return out


def test_http_basic_credentials_are_scrubbed(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    configured(monkeypatch, VONAGE_API_KEY="vkey01", VONAGE_API_SECRET="vonage-secret-9f")
    basic = base64.b64encode(b"vkey01:vonage-secret-9f").decode()
    logging.getLogger("numberbot.test").warning("sent", extra={"authorization": f"Basic {basic}"})
    logging.getLogger("numberbot.test").warning("header was Basic %s", basic)
    out = written(capsys)
    assert basic not in out
    assert out.count("Basic [redacted]") == 2


def test_url_encoded_secrets_are_scrubbed(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    secret = "fr/secret+key=&42"
    configured(monkeypatch, FLOWROUTE_ACCESS_KEY="fa01", FLOWROUTE_SECRET_KEY=secret)
    log = logging.getLogger("numberbot.test")
    log.warning("GET %s", f"https://api.example/v2?key={quote(secret, safe='')}")
    log.warning("form", extra={"body": urlencode({"secret_key": secret})})
    log.warning("json", extra={"raw": json.dumps({"k": secret + '"'})})
    out = written(capsys)
    for form in (secret, quote(secret, safe=""), quote_plus(secret)):
        assert form not in out
    assert out.count("[redacted]") == 3


def test_secrets_nested_in_dict_and_list_fields_are_scrubbed(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    configured(monkeypatch, KAZOO_BASE_URL="https://kazoo.test:8443", KAZOO_API_KEY="kazoo-api-key-0123")
    request = {"url": "https://kazoo.test", "json": {"data": {"api_key": "kazoo-api-key-0123"}}}
    logging.getLogger("numberbot.test").warning(
        "request", extra={"request": request, "attempts": [{"key": "kazoo-api-key-0123"}, ("kazoo-api-key-0123",)]}
    )
    line = json.loads(written(capsys).strip().splitlines()[-1])
    assert line["request"] == {"url": "https://kazoo.test", "json": {"data": {"api_key": "[redacted]"}}}
    assert line["attempts"] == [{"key": "[redacted]"}, ["[redacted]"]]
    assert request["json"]["data"]["api_key"] == "kazoo-api-key-0123", "the caller's dict is not changed"


async def test_the_kazoo_token_is_scrubbed_as_soon_as_it_is_obtained(
    monkeypatch: pytest.MonkeyPatch, capsys, redis
) -> None:
    configured(monkeypatch)
    async with httpx.AsyncClient() as http:
        with respx.mock(base_url=kazoo_wire.BASE_URL, assert_all_called=False) as router:
            wire = kazoo_wire.KazooWire(router, Account())
            auth = wire.mock_auth()
            wire.mock_account()
            await make_kazoo(http, redis).get("+14155550100")
            logging.getLogger("numberbot.test").warning("token %s", kazoo_wire.TOKEN)
            # Another process takes the token that this one put in Redis, without signing in.
            configured(monkeypatch)
            await make_kazoo(http, redis).get("+14155550100")
            logging.getLogger("numberbot.test").warning("token", extra={"headers": {"X-Auth-Token": kazoo_wire.TOKEN}})
    assert auth.call_count == 1
    out = written(capsys)
    assert kazoo_wire.TOKEN not in out
    assert out.count("[redacted]") == 2


def test_the_azure_access_key_is_scrubbed(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    key = base64.b64encode(b"azure-access-key-bytes-0123456789+/").decode()
    configured(monkeypatch, AZURE_COMMUNICATION_CONNECTION_STRING=f"endpoint=https://acs.test/;accesskey={key}")
    log = logging.getLogger("numberbot.test")
    log.warning("key %s", key)
    log.warning("signed", extra={"query": f"?sig={quote_plus(key)}"})
    out = written(capsys)
    assert key not in out
    assert quote_plus(key) not in out
    assert out.count("[redacted]") == 2


def test_short_secrets_are_scrubbed_where_they_stand_alone(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    configured(monkeypatch, FLOWROUTE_ACCESS_KEY="fa01", FLOWROUTE_SECRET_KEY="q7z")
    logging.getLogger("numberbot.test").warning("secret_key=q7z; a word: aq7zb", extra={"secret": "q7z"})
    line = json.loads(written(capsys).strip().splitlines()[-1])
    assert line["message"] == "secret_key=[redacted]; a word: aq7zb"
    assert line["secret"] == "[redacted]"
