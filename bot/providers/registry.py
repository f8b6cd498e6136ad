"""Provider names → adapter classes, and building the enabled ones from the settings.

Adding a provider is one module, one `register` line here, one test subclass. The map is
read-only from outside and refuses a duplicate name.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from bot.providers.azure import AzureProvider
from bot.providers.flowroute import FlowrouteProvider
from bot.providers.kazoo import KazooProvider
from bot.providers.sandbox import SandboxProvider
from bot.providers.vonage import VonageProvider

if TYPE_CHECKING:
    import httpx

    from bot.config import Settings
    from bot.providers.base import NumberProvider
    from bot.store import RedisClient

__all__ = ["PROVIDERS", "build_providers", "register"]


class ProviderClass(Protocol):
    name: str

    @classmethod
    def from_settings(
        cls, settings: Settings, *, http: httpx.AsyncClient, redis: RedisClient
    ) -> NumberProvider | None: ...


_registry: dict[str, Any] = {}
PROVIDERS: Mapping[str, ProviderClass] = MappingProxyType(_registry)


def register(cls: Any) -> Any:
    """Add an adapter class under its `name`; a second class under one name is an error."""
    if cls.name in _registry:
        raise ValueError(f"provider {cls.name!r} is already registered")
    _registry[cls.name] = cls
    return cls


register(SandboxProvider)
register(VonageProvider)
register(FlowrouteProvider)
register(AzureProvider)
register(KazooProvider)


def build_providers(settings: Settings, *, http: httpx.AsyncClient, redis: RedisClient) -> dict[str, NumberProvider]:
    """The enabled providers: those with credentials, plus sandbox when asked or alone."""
    built: dict[str, NumberProvider] = {}
    for name, cls in PROVIDERS.items():
        if name == SandboxProvider.name:
            continue
        provider = cls.from_settings(settings, http=http, redis=redis)
        if provider is not None:
            built[name] = provider
    if settings.sandbox or not built:
        built[SandboxProvider.name] = SandboxProvider(redis)
    return built
