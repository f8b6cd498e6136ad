"""`azure`: Azure Communication Services Phone Numbers, REST api-version 2025-06-01.

Search and buy one chosen number: ``POST /availablePhoneNumbers/countries/{cc}/:browse``
lists numbers with their ``cost``; Buy puts exactly that number into a new reservation
(``PATCH /availablePhoneNumbers/reservations/{uuid}``, merge-patch) whose ``expiresAt`` the
confirmation shows; Confirm starts ``POST …/reservations/{id}/:purchase`` and follows the
long-running operation (``GET /phoneNumbers/operations/{id}``) to success or failure; Cancel
deletes the reservation. The classic ``:search`` flow (which buys every number it holds) is
not used. Release is ``DELETE /phoneNumbers/{number}``, also a long-running operation.

Every long operation's id is saved through ``Progress.save`` before it is polled, so a
process that restarts half-way resumes it (``check_purchase`` / ``check_release``) instead of
losing it. Polling is bounded and honours ``Retry-After``; an operation still running when
the budget is spent is an unknown outcome that the purchase or release flow keeps checking.

The wire (signing, errors, polling, paging) is bot.providers.azure_client; payloads are read
by bot.providers.azure_wire. Azure numbers have no call forwarding.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from bot.config import parse_connection_string
from bot.errors import NotSupported, OutcomeUnknown, ProviderError, ProviderRefused
from bot.models import Feature, Hold, NumberType, Offer, OwnedNumber, SearchQuery
from bot.phone import calling_code, to_e164
from bot.providers.azure_client import AzureClient, segment
from bot.providers.azure_sms import AzureSms
from bot.providers.azure_wire import (
    TYPES,
    capabilities_of,
    describe_error,
    features_of,
    monthly_cost,
    operation_id,
    owned_number,
    parse_time,
    reason,
    type_of,
)
from bot.providers.base import BaseProvider, Capabilities, Order, Progress, account_digest
from bot.providers.http import Sleep, json_object
from bot.providers.settle import at_quoted_price, owned_from_offer, settle_buy

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.store import RedisClient

__all__ = ["AzureProvider"]

log = logging.getLogger(__name__)

ASSIGNMENT = "application"  # numbers the team's services use, not ones assigned to a person
WANTED = "inbound+outbound"  # a requested feature must work both ways
MERGE_PATCH = "application/merge-patch+json"
NO_OPERATION = "was accepted without an operation to follow; checking"


class AzureProvider(AzureSms, BaseProvider):
    name: ClassVar[str] = "azure"
    label: ClassVar[str] = "Azure"
    capabilities: ClassVar[Capabilities] = Capabilities(
        pattern=True,  # phoneNumberPrefixes
        features_filter=True,  # voice and SMS; Azure has no MMS
        forward=False,  # Azure numbers have no call forwarding
        release=True,
        rename=False,  # no friendly names at Azure; names stay in the bot
        monthly_cost=True,
        setup_cost=False,  # Azure prices numbers monthly only
        hold=True,  # Buy reserves the number until the reservation expires
        sms_in=True,  # SMSReceived through Event Grid, subscribed by the deployment (bot.providers.azure_sms)
        sms_manual=True,
    )

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        endpoint: str,
        access_key: str,
        sleep: Sleep = asyncio.sleep,
        **polling: Any,
    ) -> None:
        """`sleep`: how read retries and operation polls wait (tests pass one that records);
        `polling`: poll_interval, poll_budget, max_polls, clock (see AzureClient)."""
        self._api = AzureClient(
            http, label=self.label, endpoint=endpoint, access_key=access_key, sleep=sleep, **polling
        )
        self._account = account_digest(self.name, endpoint.rstrip("/"))  # one resource, one account

    @property
    def account(self) -> str:
        return self._account

    @classmethod
    def from_settings(
        cls, settings: Settings, *, http: httpx.AsyncClient, redis: RedisClient | None = None, **_: Any
    ) -> AzureProvider | None:
        """Enabled by AZURE_COMMUNICATION_CONNECTION_STRING (`endpoint=…;accesskey=…`).

        No Redis state of its own: long operations are checkpointed through Progress.
        """
        raw = settings.azure_communication_connection_string
        if raw is None:
            return None
        fields = parse_connection_string(raw.get_secret_value())
        return cls(http=http, endpoint=fields["endpoint"], access_key=fields["accesskey"])

    # -- reading the account -------------------------------------------------------------

    async def get(self, e164: str) -> OwnedNumber | None:
        raw = await self._api.read_json(f"/phoneNumbers/{segment(e164)}", action=f"looking up {e164}", missing_ok=True)
        return owned_number(self.name, raw) if raw is not None else None

    async def list(self) -> list[OwnedNumber]:
        found: dict[str, OwnedNumber] = {}
        for raw in await self._api.pages("/phoneNumbers", "phoneNumbers", action="listing the account's numbers"):
            owned = owned_number(self.name, raw)
            if owned is not None:
                found.setdefault(owned.e164, owned)  # a number may shift pages meanwhile
        return list(found.values())

    # -- search and reservations -----------------------------------------------------------

    async def search(self, query: SearchQuery) -> list[Offer]:
        """Browse the asked type, or local and toll-free at once when none is asked."""
        if Feature.mms in query.features:
            raise NotSupported(self.label, f"{self.label} numbers have no MMS")
        kinds = [query.type] if query.type else [NumberType.local, NumberType.tollfree]
        results = await asyncio.gather(*(self._browse(query, kind) for kind in kinds), return_exceptions=True)
        offers = [offer for result in results if isinstance(result, list) for offer in result]
        failures = [result for result in results if isinstance(result, BaseException)]
        unexpected = [f for f in failures if not isinstance(f, ProviderError)]
        if unexpected or len(failures) == len(results):
            raise (unexpected or failures)[0]
        return offers[: query.limit]

    async def _browse(self, query: SearchQuery, kind: NumberType) -> list[Offer]:
        wire_type = TYPES[kind]
        body: dict[str, Any] = {"phoneNumberType": wire_type, "assignmentType": ASSIGNMENT}
        caps = {
            key: WANTED
            for key, feature in (("calling", Feature.voice), ("sms", Feature.sms))
            if feature in query.features
        }
        if caps:
            body["capabilities"] = caps
        if query.pattern:
            body["phoneNumberPrefixes"] = [f"{calling_code(query.country)}{query.pattern}"]
        action = f"searching {query.country} numbers"
        path = f"/availablePhoneNumbers/countries/{segment(query.country)}/:browse"
        response = await self._api.send("POST", path, action=action, body=body)
        if response.status_code != 200:
            self._api.raise_for(response, action)
        numbers = json_object(response).get("phoneNumbers")
        raws = [raw for raw in numbers if isinstance(raw, dict)] if isinstance(numbers, list) else []
        return [offer for raw in raws if (offer := self._offer(raw, query, wire_type)) is not None]

    def _offer(self, raw: dict[str, Any], query: SearchQuery, wire_type: str) -> Offer | None:
        e164 = to_e164(str(raw.get("phoneNumber") or raw.get("id") or ""))
        if e164 is None or str(raw.get("status") or "available").lower() != "available":
            return None
        caps = capabilities_of(raw)
        ref = {
            "id": str(raw.get("id") or e164.removeprefix("+")),
            "country": str(raw.get("countryCode") or query.country),
            "type": str(raw.get("phoneNumberType") or wire_type),
            "assignment": str(raw.get("assignmentType") or ASSIGNMENT),
            "calling": caps["calling"],
            "sms": caps["sms"],
            "resell": "true" if raw.get("isAgreementToNotResellRequired") is True else "false",
        }
        return Offer(
            provider=self.name,
            e164=e164,
            country=ref["country"],
            type=type_of(raw) or query.type,
            features=features_of(raw),
            monthly=monthly_cost(raw.get("cost")),
            setup=None,  # Azure gives no setup cost: unknown, not free
            ref=ref,
        )

    async def hold(self, offer: Offer) -> Hold:
        """A new reservation holding exactly this number (idempotent, so retried safely)."""
        ref, rid = offer.ref, str(uuid.uuid4())
        number_id = ref.get("id") or offer.e164.removeprefix("+")
        entry = {
            "countryCode": ref.get("country") or offer.country,
            "phoneNumberType": ref.get("type") or TYPES[offer.type or NumberType.local],
            "assignmentType": ref.get("assignment") or ASSIGNMENT,
            "capabilities": {"calling": ref.get("calling", "none"), "sms": ref.get("sms", "none")},
        }
        action = f"reserving {offer.e164}"
        path = f"/availablePhoneNumbers/reservations/{rid}"
        response = await self._api.send(
            "PATCH", path, action=action, body={"phoneNumbers": {number_id: entry}}, content_type=MERGE_PATCH
        )
        if response.status_code not in (200, 201, 207):
            self._api.raise_for(response, action)
        body = json_object(response)
        numbers = body.get("phoneNumbers") if isinstance(body.get("phoneNumbers"), dict) else {}
        mine = numbers.get(number_id) if isinstance(numbers.get(number_id), dict) else {}
        if str(mine.get("status") or "").lower() != "reserved":
            why = describe_error(mine.get("error")) or "Azure did not reserve it"
            await self._drop_reservation(rid)
            raise ProviderRefused(self.label, f"could not reserve {offer.e164}: {why}")
        resell = mine.get("isAgreementToNotResellRequired") is True or ref.get("resell") == "true"
        note = (
            "Azure sells this number only with an agreement not to resell it; confirming the purchase agrees to that."
            if resell
            else None
        )
        ref_out = {"reservation": rid, "number": number_id, "resell": "true" if resell else "false"}
        return Hold(ref=ref_out, expires_at=parse_time(body.get("expiresAt")), note=note)

    async def unhold(self, hold: Hold) -> None:
        rid = hold.ref.get("reservation")
        if rid:
            await self._drop_reservation(rid, quiet=False)

    async def _drop_reservation(self, rid: str, *, quiet: bool = True) -> None:
        action = "giving the reservation back"
        try:
            path = f"/availablePhoneNumbers/reservations/{segment(rid)}"
            response = await self._api.send("DELETE", path, action=action)
            if response.status_code not in (200, 204, 404):  # 404: already gone or expired
                self._api.raise_for(response, action)
        except ProviderError:
            if not quiet:
                raise
            log.warning("azure reservation not deleted; it expires by itself", extra={"reservation": rid})

    # -- buying --------------------------------------------------------------------------

    async def buy(self, order: Order, progress: Progress) -> OwnedNumber:
        offer = order.offer
        action = f"buying {offer.e164}"
        op_id = progress.state.get("operation")
        if not op_id:
            hold = order.hold if order.hold and order.hold.ref.get("reservation") else await self.hold(offer)
            rid = hold.ref["reservation"]
            await progress.save(reservation=rid)
            path = f"/availablePhoneNumbers/reservations/{segment(rid)}/:purchase"
            body = {"agreeToNotResell": hold.ref.get("resell") == "true"}
            response = await self._api.send("POST", path, action=action, body=body, write=True)  # lost: OutcomeUnknown
            if not response.is_success:
                if response.status_code in (401, 403, 429):
                    self._api.raise_for(response, action)  # refused before anything happened
                if response.status_code >= 500:
                    raise OutcomeUnknown(
                        self.label, f"{action} got HTTP {response.status_code}; checking what happened"
                    )
                failure = f"could not buy {offer.e164}: {reason(response)}"
                return await settle_buy(self, offer, failure, definite=True)
            op_id = operation_id(response)
            if op_id is None:
                raise OutcomeUnknown(self.label, f"{action} {NO_OPERATION}")
            await progress.save(operation=op_id)  # before waiting: a restart resumes it
        status, error = await self._api.follow(op_id, action)
        if status == "failed":
            return await settle_buy(self, offer, f"could not buy {offer.e164}: {error}", definite=True)
        if status == "unknown":
            raise OutcomeUnknown(self.label, f"{action}: Azure no longer knows the operation; checking the account")
        return await self._bought(offer)

    async def check_purchase(self, order: Order, progress: Progress) -> OwnedNumber | None:
        """Resume the recorded purchase operation, else ask the account and the reservation."""
        offer = order.offer
        op_id = progress.state.get("operation")
        if op_id:
            status, _ = await self._api.follow(op_id, f"buying {offer.e164}")
            if status == "succeeded":
                return await self._bought(offer)
            return await self.get(offer.e164)
        owned = await self.get(offer.e164)
        if owned is not None:
            return owned
        rid = progress.state.get("reservation") or (order.hold.ref.get("reservation") if order.hold else None)
        return await self._reservation_outcome(offer, rid) if rid else None

    async def _reservation_outcome(self, offer: Offer, rid: str) -> OwnedNumber | None:
        """A purchase whose answer was lost, told by its reservation: submitted → still running."""
        path = f"/availablePhoneNumbers/reservations/{segment(rid)}"
        body = await self._api.read_json(path, action=f"checking the reservation of {offer.e164}", missing_ok=True)
        if body is None:
            return None
        if str(body.get("status") or "").lower() == "submitted":
            raise OutcomeUnknown(self.label, f"the purchase of {offer.e164} is still being processed by Azure")
        numbers = body.get("phoneNumbers")
        purchased = isinstance(numbers, dict) and any(
            isinstance(n, dict) and n.get("phoneNumber") == offer.e164 and str(n.get("status")).lower() == "purchased"
            for n in numbers.values()
        )
        return await self._bought(offer) if purchased else None

    async def _bought(self, offer: Offer) -> OwnedNumber:
        """The operation succeeded: the account's record if it shows yet, else the offer."""
        try:
            owned = await self.get(offer.e164)
        except ProviderError:
            owned = None
        return owned_from_offer(offer) if owned is None else at_quoted_price(owned, offer)

    # -- releasing -----------------------------------------------------------------------

    async def release(self, e164: str, progress: Progress) -> None:
        """DELETE the number and follow the operation; a number not on the account is released."""
        action = f"releasing {e164}"
        op_id = progress.state.get("release_operation")
        if not op_id:
            response = await self._api.send("DELETE", f"/phoneNumbers/{segment(e164)}", action=action, write=True)
            if response.status_code == 404:
                return
            if not response.is_success:
                if response.status_code in (401, 403, 429):
                    self._api.raise_for(response, action)
                if response.status_code >= 500:
                    raise OutcomeUnknown(self.label, f"{action} got HTTP {response.status_code}; checking")
                if await self.get(e164) is None:
                    return
                raise ProviderRefused(self.label, f"could not release {e164}: {reason(response)}")
            op_id = operation_id(response)
            if op_id is None:
                raise OutcomeUnknown(self.label, f"{action} {NO_OPERATION}")
            await progress.save(release_operation=op_id)
        status, error = await self._api.follow(op_id, action)
        if status == "succeeded":
            return
        if status == "unknown":  # check_release asks the account
            raise OutcomeUnknown(self.label, f"{action}: Azure no longer knows the operation; checking the account")
        try:
            gone = await self.get(e164) is None
        except ProviderError:
            gone = False  # the operation failed: the number is still there unless the account says otherwise
        if not gone:
            raise ProviderRefused(self.label, f"could not release {e164}: {error}")

    async def check_release(self, e164: str, progress: Progress) -> bool:
        op_id = progress.state.get("release_operation")
        if op_id:
            status, _ = await self._api.follow(op_id, f"releasing {e164}")
            if status == "succeeded":
                return True
        return await self.get(e164) is None

    async def forward(self, e164: str, destination: str) -> None:
        raise NotSupported(self.label, f"{self.label} numbers have no call forwarding the bot can set")
