"""Builds the services from settings and clients: stores on Redis, providers, the core services.

No Slack request objects and no handlers here: bot/server.py (the composition root) wraps
these in the Bolt app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import RoleStore
from bot.accounts import AccountCache
from bot.admin import AdminService
from bot.approval_store import ApprovalStore
from bot.approvals import ApprovalService
from bot.audit import AuditLog
from bot.balance import BalanceService
from bot.budget import BudgetStore
from bot.changes import Changes
from bot.chart import ChartService
from bot.dispatch import Dispatcher
from bot.emergency import CallerIdRequests, EmergencyService
from bot.home import HomeService
from bot.home_actions import HomeActions
from bot.journal import Journal, NumberMarks
from bot.lifecycle import Lifecycle
from bot.metrics import Instrumented
from bot.notify import Notifier
from bot.pool import PoolService, PoolStore
from bot.providers.base import NumberProvider
from bot.providers.registry import ProviderSet, build_providers
from bot.purchases import PurchaseService, QuoteStore
from bot.rates import Rates
from bot.reconciler import Reconciler
from bot.releases import IntentStore, ReleaseService
from bot.report import ReportService
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
    balances: BalanceService
    emergency: EmergencyService
    home: HomeService
    home_actions: HomeActions
    reports: ReportService
    sms: SmsService
    sms_store: SmsStore
    sms_inbox: SmsInbox
    sms_delivery: SmsDelivery

    async def aclose(self) -> None:
        await self.reports.stop()
        await self.providers.aclose()
        await self.http.aclose()
        await self.redis.aclose()
        if self.slack.session is not None:
            await self.slack.session.close()


def slack_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """The Web API client (SLACK_API_URL points it at another server: tests, console), on one
    aiohttp session that response_url posts share. Call it inside the running event loop."""
    secret = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
    return AsyncWebClient(token=token or secret, base_url=settings.slack_api_url, timeout=10, session=session)


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
    built = providers if providers is not None else build_providers(settings, http=http, redis=redis)
    enabled = ProviderSet({name: Instrumented(provider) for name, provider in built.items()})
    roles = RoleStore(redis, bootstrap_admins=settings.bot_admins)
    pool_store = PoolStore(redis)
    searches = SearchStore(redis)
    quotes = QuoteStore(redis)
    journal = Journal(redis, worker=worker)
    rates = rates or Rates()
    budget = BudgetStore(redis, rates=rates, default_currency=settings.default_currency)
    marks = NumberMarks(redis)
    accounts = AccountCache(redis)
    audit = AuditLog(redis)
    notifier = Notifier(slack)
    lifecycle = Lifecycle()
    changes = Changes(lifecycle.spawn)  # completions → the Home tabs that show them
    search = SearchService(providers=enabled, searches=searches, budget=budget)
    balances = BalanceService(providers=enabled, redis=redis, quotes=quotes, budget=budget, audit=audit)
    purchases = PurchaseService(
        providers=enabled,
        searches=searches,
        quotes=quotes,
        journal=journal,
        budget=budget,
        marks=marks,
        accounts=accounts,
        quote_ttl=settings.quote_ttl_seconds,
        balances=balances,
        changes=changes,
    )
    releases = ReleaseService(
        providers=enabled,
        pool=pool_store,
        intents=IntentStore(redis),
        journal=journal,
        marks=marks,
        accounts=accounts,
        changes=changes,
    )
    pool = PoolService(
        providers=enabled,
        pool=pool_store,
        audit=audit,
        accounts=accounts,
        forward_countries=settings.forward_countries,
    )
    admin = AdminService(roles=roles, audit=audit, budget=budget)
    emergency = EmergencyService(
        providers=enabled,
        pool=pool_store,
        numbers=pool,
        audit=audit,
        requests=CallerIdRequests(redis),
        accounts=accounts,
    )
    requests = ApprovalStore(redis)
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
        approvals=requests,
        purchases=purchases,
        quotes=quotes,
        budget=budget,
        audit=audit,
        notifier=notifier,
        channel=settings.approvals_channel,
        changes=changes,
    )
    charts = ChartService(redis=redis, budget=budget, notifier=notifier)
    simulated = enabled.simulated_names
    home = HomeService(
        redis=redis,
        roles=roles,
        pool=pool_store,
        approvals=requests,
        audit=audit,
        charts=charts,
        admin=admin,
        notifier=notifier,
        changes=changes,
        simulated=simulated,
    )
    reports = ReportService(
        redis=redis,
        channel=settings.report_channel,
        charts=charts,
        pool=pool_store,
        audit=audit,
        notifier=notifier,
        simulated=simulated,
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
        dispatcher=Dispatcher(search=search, pool=pool, releases=releases, admin=admin, emergency=emergency, sms=sms),
        notifier=notifier,
        lifecycle=lifecycle,
        reconciler=Reconciler(
            journal=journal, purchases=purchases, releases=releases, notifier=notifier, approvals=approvals
        ),
        balances=balances,
        emergency=emergency,
        home=home,
        home_actions=HomeActions(
            approvals=approvals, requests=requests, releases=releases, pool=pool, notifier=notifier
        ),
        reports=reports,
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
