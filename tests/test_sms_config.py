"""PUBLIC_URL, VONAGE_SIGNATURE_SECRET and SMS_REVEAL_TTL_SECONDS: read from the environment by
their names, validated at start with one line naming the culprit."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from tests.test_config import SLACK, env


def test_the_sms_settings_are_read_by_their_names(monkeypatch: pytest.MonkeyPatch) -> None:
    env(
        monkeypatch,
        **SLACK,
        PUBLIC_URL="https://numberbot.example.com/",
        VONAGE_SIGNATURE_SECRET="vonage-signing-secret-1",
        SMS_REVEAL_TTL_SECONDS="120",
    )
    settings = load_settings()
    assert settings.public_url == "https://numberbot.example.com"
    assert settings.vonage_signature_secret is not None
    assert settings.vonage_signature_secret.get_secret_value() == "vonage-signing-secret-1"
    assert settings.sms_reveal_ttl_seconds == 120
    assert "vonage-signing-secret-1" in settings.secrets(), "scrubbed from every log line"


def test_defaults_need_no_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **SLACK)
    settings = load_settings()
    assert (settings.public_url, settings.vonage_signature_secret, settings.sms_reveal_ttl_seconds) == (None, None, 600)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("PUBLIC_URL", "http://numberbot.example.com", "PUBLIC_URL: must be https://"),
        ("PUBLIC_URL", "numberbot.example.com", "PUBLIC_URL: must be an http(s) URL"),
        ("SMS_REVEAL_TTL_SECONDS", "5", "SMS_REVEAL_TTL_SECONDS: Input should be greater than or equal to 30"),
        ("VONAGE_SIGNATURE_SECRET", "  ", "VONAGE_SIGNATURE_SECRET: is set but empty"),
    ],
)
def test_a_bad_sms_setting_stops_the_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    env(monkeypatch, **SLACK, **{name: value})
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(said), str(info.value)
    assert "\n" not in str(info.value)


def test_plain_http_public_url_is_allowed_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **SLACK, PUBLIC_URL="http://127.0.0.1:3000")
    assert load_settings().public_url == "http://127.0.0.1:3000"
