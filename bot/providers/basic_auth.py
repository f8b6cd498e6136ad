"""Adapters whose provider takes an HTTP Basic key pair on every request, at one base URL.

Vonage (api_key:api_secret) and Flowroute (access key:secret key) differ here only in data:
their default base URL and which settings hold their key pair. This builds their view of the
shared client and enables them from the settings. The key pair travels only in the
Authorization header, never in a URL or a body, so nothing that logs either can leak it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Self

import httpx

from bot.providers.base import BaseProvider, account_digest
from bot.providers.http import ProviderHttp, Sleep

if TYPE_CHECKING:
    from pydantic import SecretStr

    from bot.config import Settings

__all__ = ["BasicAuthProvider", "KeyPairSettings"]


class KeyPairSettings(NamedTuple):
    """An adapter's settings: both halves of the key pair enable it."""

    key: str | None
    secret: SecretStr | None
    base_url: str | None


class BasicAuthProvider(BaseProvider):
    """Declare `default_base_url` and `key_pair_settings`; `self._http` is then ready."""

    default_base_url: ClassVar[str]

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        key: str,
        secret: str,
        base_url: str | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """`key`/`secret`: the provider's key pair; `sleep`: how read retries wait (tests
        pass one that records instead of sleeping)."""
        auth = httpx.BasicAuth(key, secret)
        base_url = base_url or self.default_base_url
        self._account = account_digest(self.name, base_url.rstrip("/"), key)
        self._http = ProviderHttp(http, self.label, base_url=base_url, auth=auth, sleep=sleep)

    @property
    def account(self) -> str:
        return self._account

    @classmethod
    def key_pair_settings(cls, settings: Settings) -> KeyPairSettings:
        """Hook: the adapter's key pair and base URL as the settings hold them."""
        raise NotImplementedError

    @classmethod
    def from_settings(cls, settings: Settings, *, http: httpx.AsyncClient, **_: Any) -> Self | None:
        """Enabled only when both halves of the key pair are set (no Redis state)."""
        key, secret, base_url = cls.key_pair_settings(settings)
        if not key or secret is None:
            return None
        return cls(http=http, key=key, secret=secret.get_secret_value(), base_url=base_url)
