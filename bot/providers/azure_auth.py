"""HMAC-SHA256 request signing for Azure Communication Services (connection-string auth).

Every request carries ``x-ms-date`` (RFC 1123, GMT), ``x-ms-content-sha256`` (base64 SHA-256
of the body, also of an empty one) and ``Authorization: HMAC-SHA256
SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…``, the signature being
HMAC-SHA256 with the base64-decoded access key over::

    VERB \\n path?query \\n x-ms-date;host;content-hash

The path, query and host signed are exactly those httpx sends (percent-encoding and a
non-default port included), so what Azure checks is what it received. The key never leaves
this object: not in a URL, a message or a log.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import hmac
from collections.abc import Callable, Generator
from datetime import UTC, datetime

import httpx

__all__ = ["AzureHmacAuth", "content_hash", "string_to_sign"]

SIGNED_HEADERS = "x-ms-date;host;x-ms-content-sha256"


def content_hash(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def string_to_sign(method: str, path_and_query: str, date: str, host: str, body_hash: str) -> str:
    return f"{method.upper()}\n{path_and_query}\n{date};{host};{body_hash}"


class AzureHmacAuth(httpx.Auth):
    """An httpx auth flow that signs each request as Azure Communication Services requires."""

    requires_request_body = True

    def __init__(self, access_key: str, *, clock: Callable[[], datetime] | None = None) -> None:
        try:
            self._key = base64.b64decode(access_key, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the Azure access key is not base64") from None
        self._clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:  # never show the key
        return "AzureHmacAuth(<key>)"

    def headers_for(self, request: httpx.Request) -> dict[str, str]:
        date = email.utils.format_datetime(self._clock().astimezone(UTC), usegmt=True)
        body_hash = content_hash(request.content)
        host = request.headers.get("host") or request.url.netloc.decode("ascii")
        signed = string_to_sign(request.method, request.url.raw_path.decode("ascii"), date, host, body_hash)
        signature = base64.b64encode(hmac.new(self._key, signed.encode("utf-8"), hashlib.sha256).digest())
        return {
            "x-ms-date": date,
            "x-ms-content-sha256": body_hash,
            "Authorization": f"HMAC-SHA256 SignedHeaders={SIGNED_HEADERS}&Signature={signature.decode('ascii')}",
        }

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.headers_for(request))
        yield request
