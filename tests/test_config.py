"""Settings: exactly SPEC section 5's variables, validated once, one line naming the culprit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings

SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cr3t-value"}


def env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **SLACK)
    settings = load_settings()
    assert settings.port == 3000
    assert settings.effective_redis_url == "redis://localhost:6379/0"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.vonage_base_url == "https://rest.nexmo.com"
    assert settings.flowroute_base_url == "https://api.flowroute.com"
    assert settings.quote_ttl_seconds == 300
    assert settings.redis_topology == "single"


def test_every_spec_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    env(
        monkeypatch,
        **SLACK,
        SLACK_APP_TOKEN="xapp-1-abc",
        SLACK_API_URL="http://127.0.0.1:9999/api",
        PORT="8080",
        REDIS_URL="rediss://user:pw@redis.example:6380/1",
        BOT_ADMINS="U01, U02",
        APPROVALS_CHANNEL="C0APPROVALS",
        REPORT_CHANNEL="C0REPORTS",
        VONAGE_API_KEY="key",
        VONAGE_API_SECRET="vsecret",
        VONAGE_BASE_URL="http://127.0.0.1:9001",
        AZURE_COMMUNICATION_CONNECTION_STRING="endpoint=https://acs.test/;accesskey=QUJD",
        FLOWROUTE_ACCESS_KEY="fa",
        FLOWROUTE_SECRET_KEY="fs",
        FLOWROUTE_BASE_URL="https://flowroute.test",
        KAZOO_BASE_URL="https://kazoo.test:8443",
        KAZOO_API_KEY="kk",
        KAZOO_ACCOUNT_ID="acc",
        SANDBOX="1",
        QUOTE_TTL_SECONDS="120",
        FORWARD_COUNTRIES="gb, US",
    )
    s = load_settings()
    assert s.slack_api_url == "http://127.0.0.1:9999/api/"
    assert s.port == 8080
    assert s.bot_admins == ("U01", "U02")
    assert s.approvals_channel == "C0APPROVALS"
    assert s.report_channel == "C0REPORTS"
    assert s.vonage_api_key == "key"
    assert s.vonage_base_url == "http://127.0.0.1:9001"
    assert s.flowroute_base_url == "https://flowroute.test"
    assert s.kazoo_base_url == "https://kazoo.test:8443"
    assert s.forward_countries == ("GB", "US")
    assert s.kazoo_account_id == "acc"
    assert s.sandbox is True
    assert s.quote_ttl_seconds == 120
    assert s.redis_url == "rediss://user:pw@redis.example:6380/1"


def test_cluster_and_sentinel_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **SLACK, REDIS_CLUSTER_NODES="10.0.0.1:7000,10.0.0.2:7001")
    assert load_settings().redis_cluster_nodes == ("10.0.0.1:7000", "10.0.0.2:7001")
    assert load_settings().redis_topology == "cluster"
    monkeypatch.delenv("REDIS_CLUSTER_NODES")
    env(monkeypatch, REDIS_SENTINELS="s1:26379", REDIS_SENTINEL_MASTER="mymaster")
    assert load_settings().redis_topology == "sentinel"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"BOT_ADMINS": "alice"}, "BOT_ADMINS"),
        ({"APPROVALS_CHANNEL": "#numbers"}, "APPROVALS_CHANNEL"),
        ({"REPORT_CHANNEL": "#reports"}, "REPORT_CHANNEL"),
        ({"REDIS_URL": "http://redis"}, "REDIS_URL"),
        ({"REDIS_CLUSTER_NODES": "nohostport"}, "REDIS_CLUSTER_NODES"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({"VONAGE_API_KEY": "k"}, "VONAGE_API_SECRET"),
        ({"FLOWROUTE_SECRET_KEY": "s"}, "FLOWROUTE_ACCESS_KEY"),
        ({"KAZOO_BASE_URL": "https://k:8443"}, "KAZOO_API_KEY"),
        ({"REDIS_SENTINELS": "s:26379"}, "REDIS_SENTINEL_MASTER"),
        ({"AZURE_COMMUNICATION_CONNECTION_STRING": "nonsense-secret-value"}, "AZURE_COMMUNICATION_CONNECTION_STRING"),
        ({"QUOTE_TTL_SECONDS": "0"}, "QUOTE_TTL_SECONDS"),
        ({"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
        ({"FORWARD_COUNTRIES": "GB,UK"}, "FORWARD_COUNTRIES"),
        ({"FORWARD_COUNTRIES": "GBR"}, "FORWARD_COUNTRIES"),
    ],
)
def test_malformed_settings_name_the_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str], named: str
) -> None:
    env(monkeypatch, **SLACK, **values)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert named in message
    assert "\n" not in message
    assert "nonsense-secret-value" not in message


@pytest.mark.parametrize("missing", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])
def test_missing_slack_credentials_stop_the_server_start(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    env(monkeypatch, **{k: v for k, v in SLACK.items() if k != missing})
    with pytest.raises(ConfigError, match=missing):
        load_settings("http")


def test_socket_mode_needs_no_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1")
    assert load_settings("http").slack_app_token is not None


def test_console_needs_no_slack_credentials() -> None:
    assert load_settings("console").slack_bot_token is None


def test_secrets_are_collected_for_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **SLACK, AZURE_COMMUNICATION_CONNECTION_STRING="endpoint=https://a.test/;accesskey=c2VjcmV0a2V5")
    secrets = load_settings().secrets()
    assert "s3cr3t-value" in secrets
    assert "c2VjcmV0a2V5" in secrets


@pytest.mark.parametrize(
    ("values", "named"),
    [({"PORT": "nope"}, "PORT"), ({"SLACK_SIGNING_SECRET": "   "}, "SLACK_SIGNING_SECRET")],
)
def test_python_m_bot_stops_with_one_line_naming_the_setting(values: dict[str, str], named: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK", "REDIS", "PORT"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        env={**clean, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "abcdef", **values},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert named in lines[0]


# -- empty credentials and provider URLs (SPEC 7) ---------------------------------------------

AZURE = "AZURE_COMMUNICATION_CONNECTION_STRING"
CREDENTIALS = [
    ("SLACK_SIGNING_SECRET", {}),
    ("SLACK_BOT_TOKEN", {}),
    ("SLACK_APP_TOKEN", {}),
    ("VONAGE_API_SECRET", {"VONAGE_API_KEY": "vkey"}),
    ("VONAGE_API_KEY", {"VONAGE_API_SECRET": "vsecret-123"}),
    ("FLOWROUTE_SECRET_KEY", {"FLOWROUTE_ACCESS_KEY": "fa"}),
    ("FLOWROUTE_ACCESS_KEY", {"FLOWROUTE_SECRET_KEY": "fsecret-123"}),
    ("KAZOO_API_KEY", {"KAZOO_BASE_URL": "https://kazoo.test:8443"}),
    (AZURE, {}),
]


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
@pytest.mark.parametrize(("name", "others"), CREDENTIALS, ids=[name for name, _ in CREDENTIALS])
def test_an_empty_or_blank_credential_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, name: str, others: dict[str, str], blank: str
) -> None:
    env(monkeypatch, **{**SLACK, **others, name: blank})
    with pytest.raises(ConfigError) as info:
        load_settings("http")
    assert str(info.value).startswith(name)
    assert "\n" not in str(info.value)


def test_an_azure_connection_string_with_an_empty_key_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    env(monkeypatch, **SLACK, **{AZURE: "endpoint=https://acs.test/;accesskey="})
    with pytest.raises(ConfigError, match=AZURE):
        load_settings()


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("VONAGE_BASE_URL", "http://rest.nexmo.com"),
        ("FLOWROUTE_BASE_URL", "http://api.flowroute.com"),
        ("KAZOO_BASE_URL", "http://kazoo.example:8000"),
        ("KAZOO_BASE_URL", "http://10.0.0.5:8000"),
        (AZURE, "endpoint=http://contoso.communication.azure.com/;accesskey=QUJD"),
    ],
)
def test_a_provider_url_must_be_https(monkeypatch: pytest.MonkeyPatch, name: str, url: str) -> None:
    env(monkeypatch, **SLACK, KAZOO_API_KEY="kazoo-key-123", **{name: url})
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith(name)
    assert "https" in str(info.value)
    assert "QUJD" not in str(info.value)


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "127.1.2.3", "localhost:9000", "[::1]:9000"])
def test_plain_http_is_allowed_to_a_loopback_host(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    env(
        monkeypatch,
        **SLACK,
        VONAGE_BASE_URL=f"http://{host}",
        FLOWROUTE_BASE_URL=f"http://{host}",
        KAZOO_BASE_URL=f"http://{host}",
        KAZOO_API_KEY="kazoo-key-123",
        **{AZURE: f"endpoint=http://{host}/;accesskey=QUJD"},
    )
    settings = load_settings()
    assert settings.vonage_base_url == f"http://{host}"
    assert settings.kazoo_base_url == f"http://{host}"


def test_forward_countries_default_to_any() -> None:
    assert load_settings("console").forward_countries == ()
