"""Logs are JSON lines and never carry a configured secret."""

from __future__ import annotations

import io
import json
import logging

from bot.logs import RedactSecrets, setup_logging


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
