"""Wiring: build the services from settings and clients, and the Bolt app around them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.admin import AdminService
from bot.approvals import ApprovalService
from bot.audit import AuditLog
from bot.budget import BudgetStore
from bot.dispatch import Dispatcher
from bot.journal import Journal
from bot.lifecycle import Lifecycle
from bot.manage import NumberService
from bot.notify import Notifier
from bot.pool import PoolStore
from bot.providers.base import NumberProvider
from bot.providers.registry import build_providers
from bot.purchases import PurchaseService
from bot.quotes import QuoteStore
from bot.reconciler import Reconciler
from bot.releases import ReleaseService
from bot.roles import RoleStore
from bot.search import SearchService

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import RedisClient

__all__ = ["Services", "build_services", "create_app", "slack_client"]

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a listener needs, built once per process and shared."""

    settings: Settings
    redis: RedisClient
    http: httpx.AsyncClient
    slack: AsyncWebClient
    providers: dict[str, NumberProvider]
    roles: RoleStore
    pool: PoolStore
    quotes: QuoteStore
    journal: Journal
    budget: BudgetStore
    audit: AuditLog
    search: SearchService
    purchases: PurchaseService
    approvals: ApprovalService
    releases: ReleaseService
    numbers: NumberService
    admin: AdminService
    dispatcher: Dispatcher
    notifier: Notifier
    lifecycle: Lifecycle
    reconciler: Reconciler

    async def aclose(self) -> None:
        for provider in self.providers.values():
            await provider.aclose()
        await self.http.aclose()
        await self.redis.aclose()


def slack_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """The Web API client; SLACK_API_URL points it at another server (tests, console)."""
    secret = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(token=token or secret, base_url=settings.slack_api_url, timeout=10)


def build_services(
    settings: Settings,
    *,
    redis: RedisClient,
    http: httpx.AsyncClient,
    slack: AsyncWebClient,
    providers: dict[str, NumberProvider] | None = None,
    worker: str | None = None,
) -> Services:
    providers = providers if providers is not None else build_providers(settings, http=http, redis=redis)
    roles = RoleStore(redis, bootstrap_admins=settings.bot_admins)
    pool = PoolStore(redis)
    quotes = QuoteStore(redis)
    journal = Journal(redis, worker=worker)
    budget = BudgetStore(redis)
    audit = AuditLog(redis)
    search = SearchService(providers=providers, quotes=quotes)
    purchases = PurchaseService(
        providers=providers, quotes=quotes, journal=journal, budget=budget, quote_ttl=settings.quote_ttl_seconds
    )
    releases = ReleaseService(providers=providers, pool=pool, quotes=quotes, journal=journal)
    numbers = NumberService(providers=providers, pool=pool, audit=audit)
    admin = AdminService(roles=roles, audit=audit, budget=budget)
    notifier = Notifier(slack)
    approvals = ApprovalService(
        redis=redis,
        purchases=purchases,
        quotes=quotes,
        budget=budget,
        audit=audit,
        notifier=notifier,
        channel=settings.approvals_channel,
    )
    return Services(
        settings=settings,
        redis=redis,
        http=http,
        slack=slack,
        providers=providers,
        roles=roles,
        pool=pool,
        quotes=quotes,
        journal=journal,
        budget=budget,
        audit=audit,
        search=search,
        purchases=purchases,
        approvals=approvals,
        releases=releases,
        numbers=numbers,
        admin=admin,
        dispatcher=Dispatcher(
            providers=providers, roles=roles, search=search, numbers=numbers, releases=releases, admin=admin
        ),
        notifier=notifier,
        lifecycle=Lifecycle(),
        reconciler=Reconciler(
            journal=journal, purchases=purchases, releases=releases, notifier=notifier, approvals=approvals
        ),
    )


def create_app(services: Services, *, signing_secret: str | None = None) -> AsyncApp:
    """The Bolt app: built-in signature checks, our middleware, then the listeners."""
    from handlers import register_handlers
    from handlers.middleware import inject_services, role_gate

    settings = services.settings
    secret = signing_secret
    if secret is None and settings.slack_signing_secret is not None:
        secret = settings.slack_signing_secret.get_secret_value()
    kwargs: dict[str, Any] = {}
    if secret is None:
        kwargs["request_verification_enabled"] = False  # Socket Mode: Slack's socket is the trust
    app = AsyncApp(
        client=services.slack,
        signing_secret=secret,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("slack_bolt"),
        **kwargs,
    )
    app.middleware(inject_services(services))
    app.middleware(role_gate)
    register_handlers(app)
    return app
