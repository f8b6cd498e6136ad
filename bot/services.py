"""Builds the services from settings and clients: stores on Redis, providers, the core services.

No Slack request objects and no handlers here: bot/server.py (the composition root) wraps
these in the Bolt app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import RoleStore
from bot.admin import AdminService
from bot.approval_store import ApprovalStore
from bot.approvals import ApprovalService
from bot.audit import AuditLog
from bot.budget import BudgetStore
from bot.dispatch import Dispatcher
from bot.journal import Journal, NumberMarks
from bot.lifecycle import Lifecycle
from bot.notify import Notifier
from bot.pool import PoolService, PoolStore
from bot.providers.base import NumberProvider
from bot.providers.registry import ProviderSet, build_providers
from bot.purchases import PurchaseService, QuoteStore
from bot.rates import Rates
from bot.reconciler import Reconciler
from bot.releases import IntentStore, ReleaseService
from bot.search import SearchService, SearchStore
from bot.slack_channels import Channels
from bot.sms import SmsService
from bot.sms_delivery import SmsDelivery, quiet_client
from bot.sms_inbox import SmsInbox
from bot.sms_store import SmsStore

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import RedisClient

__all__ = ["Services", "build_services", "slack_client"]


@dataclass
class Services:
    """Everything a listener needs, built once per process and shared."""

    settings: Settings
    redis: RedisClient
    http: httpx.AsyncClient
    slack: AsyncWebClient
    providers: ProviderSet
    rates: Rates
    roles: RoleStore
    pool: PoolService
    journal: Journal
    budget: BudgetStore
    audit: AuditLog
    search: SearchService
    purchases: PurchaseService
    approvals: ApprovalService
    releases: ReleaseService
    admin: AdminService
    dispatcher: Dispatcher
    notifier: Notifier
    lifecycle: Lifecycle
    reconciler: Reconciler
    sms: SmsService
    sms_store: SmsStore
    sms_inbox: SmsInbox
    sms_delivery: SmsDelivery

    async def aclose(self) -> None:
        await self.providers.aclose()
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
    providers: Mapping[str, NumberProvider] | None = None,
    worker: str | None = None,
    rates: Rates | None = None,
) -> Services:
    enabled = ProviderSet(providers) if providers is not None else build_providers(settings, http=http, redis=redis)
    roles = RoleStore(redis, bootstrap_admins=settings.bot_admins)
    pool_store = PoolStore(redis)
    searches = SearchStore(redis)
    quotes = QuoteStore(redis)
    journal = Journal(redis, worker=worker)
    rates = rates or Rates()
    budget = BudgetStore(redis, rates=rates, default_currency=settings.default_currency)
    marks = NumberMarks(redis)
    audit = AuditLog(redis)
    notifier = Notifier(slack)
    search = SearchService(providers=enabled, searches=searches, budget=budget)
    purchases = PurchaseService(
        providers=enabled,
        searches=searches,
        quotes=quotes,
        journal=journal,
        budget=budget,
        marks=marks,
        quote_ttl=settings.quote_ttl_seconds,
    )
    releases = ReleaseService(
        providers=enabled, pool=pool_store, intents=IntentStore(redis), journal=journal, marks=marks
    )
    pool = PoolService(providers=enabled, pool=pool_store, audit=audit, forward_countries=settings.forward_countries)
    admin = AdminService(roles=roles, audit=audit, budget=budget)
    sms_store = SmsStore(redis)
    reveal = settings.sms_reveal_ttl_seconds
    sms = SmsService(
        providers=enabled,
        pool=pool_store,
        store=sms_store,
        audit=audit,
        channels=Channels(slack),
        public_url=settings.public_url,
        reveal_seconds=reveal,
        forward_countries=settings.forward_countries,
    )
    approvals = ApprovalService(
        approvals=ApprovalStore(redis),
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
        providers=enabled,
        rates=rates,
        roles=roles,
        pool=pool,
        journal=journal,
        budget=budget,
        audit=audit,
        search=search,
        purchases=purchases,
        approvals=approvals,
        releases=releases,
        admin=admin,
        dispatcher=Dispatcher(search=search, pool=pool, releases=releases, admin=admin, sms=sms),
        notifier=notifier,
        lifecycle=Lifecycle(),
        reconciler=Reconciler(
            journal=journal, purchases=purchases, releases=releases, notifier=notifier, approvals=approvals
        ),
        sms=sms,
        sms_store=sms_store,
        sms_inbox=SmsInbox(providers=enabled, store=sms_store, reveal_seconds=reveal),
        sms_delivery=SmsDelivery(
            store=sms_store,
            pool=pool_store,
            notifier=Notifier(quiet_client(slack)),
            reveal_seconds=reveal,
            simulated=enabled.simulated_names,
        ),
    )
