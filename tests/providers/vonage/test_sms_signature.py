"""Vonage's signed webhooks: the signature the adapter checks is Vonage's, by its SDK's vector."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from bot.providers.vonage_sms import MAX_AGE, parse_inbound, signature, signature_matches
from bot.sms_models import WebhookRefused, WebhookRequest

# Vonage's own SDK (vonage-python-sdk tests/test_client.py): "MD5 hash" with the secret "secret".
SDK_PARAMS = {"a": "1", "b": "2", "timestamp": "1461605396"}
SDK_SIG = "6af838ef94998832dbfc29020b564830"


def test_the_md5_hash_signature_matches_vonages_sdk_vector() -> None:
    assert signature(SDK_PARAMS, "secret") == SDK_SIG
    assert signature_matches({**SDK_PARAMS, "sig": SDK_SIG}, "secret")
    assert signature_matches({**SDK_PARAMS, "sig": SDK_SIG.upper()}, "secret"), "hex in either case"
    assert not signature_matches({**SDK_PARAMS, "sig": SDK_SIG}, "other secret")
    assert not signature_matches({**SDK_PARAMS, "b": "3", "sig": SDK_SIG}, "secret")
    assert not signature_matches(SDK_PARAMS, "secret"), "no sig, no match"


@pytest.mark.parametrize("method", ["md5", "sha1", "sha256", "sha512"])
def test_each_hmac_method_the_dashboard_offers_is_accepted(method: str) -> None:
    base = "&a=1&b=2 _ 5&timestamp=1461605396"  # `&` and `=` in a value become `_`
    sig = hmac.new(b"k3y", base.encode(), getattr(hashlib, method)).hexdigest().upper()
    assert signature_matches({"a": "1", "b": "2 & 5", "timestamp": "1461605396", "sig": sig}, "k3y")


def _form(params: dict[str, str]) -> WebhookRequest:
    return WebhookRequest(content_type="application/x-www-form-urlencoded", body=urlencode(params).encode())


def test_a_signed_webhook_older_than_vonages_retries_is_refused() -> None:
    now = datetime(2026, 5, 4, tzinfo=UTC).timestamp()
    fields = {"msisdn": "447700900123", "to": "442079460123", "messageId": "0B1", "text": "hi"}
    fresh = {**fields, "timestamp": str(int(now) - 3600)}
    parsed = parse_inbound(_form({**fresh, "sig": signature(fresh, "s3cret")}), secret="s3cret", now=now)
    assert parsed.signed
    assert [m.text for m in parsed.messages] == ["hi"]
    old = {**fields, "timestamp": str(int(now - MAX_AGE) - 1)}
    with pytest.raises(WebhookRefused) as refused:
        parse_inbound(_form({**old, "sig": signature(old, "s3cret")}), secret="s3cret", now=now)
    assert (refused.value.status, refused.value.reason) == (401, "stale-signature")
