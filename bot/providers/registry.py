"""Provider names → adapter classes, and building the enabled ones from the settings.

Adding a provider is one module, one `register` line here, one test subclass. The map is
read-only from outside and refuses a duplicate name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from bot.errors import StaleAction
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

__all__ = ["PROVIDERS", "ProviderSet", "build_providers", "register"]


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


class ProviderSet(Mapping[str, "NumberProvider"]):
    """The enabled providers by name: the one lookup every service uses."""

    def __init__(self, providers: Mapping[str, NumberProvider]) -> None:
        self._providers = dict(providers)

    def __getitem__(self, name: str) -> NumberProvider:
        return self._providers[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)

    @property
    def names(self) -> list[str]:
        return sorted(self._providers)

    def require(self, name: str) -> NumberProvider:
        """The provider a stored quote, intent or pool number names, or one clear line."""
        provider = self._providers.get(name)
        if provider is None:
            raise StaleAction(f"The provider {name} is not enabled on this bot (any more).")
        return provider

    @property
    def simulated_names(self) -> frozenset[str]:
        """Providers whose effects are simulated (the sandbox): messages about them say so."""
        return frozenset(name for name, p in self._providers.items() if p.capabilities.simulated)

    async def aclose(self) -> None:
        for provider in self._providers.values():
            await provider.aclose()


def build_providers(settings: Settings, *, http: httpx.AsyncClient, redis: RedisClient) -> ProviderSet:
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
    return ProviderSet(built)
