"""Azure's HMAC-SHA256 request signing, the endpoint as given, and rejected credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import pytest
import respx

from bot.errors import ProviderAuthError
from bot.providers.azure import AzureProvider
from bot.providers.azure_auth import AzureHmacAuth
from tests.conftest import make_settings
from tests.providers.azure_wire import ACCESS_KEY, API_VERSION, AzureWire, assert_signed, mock_auth_failure

# Computed once with `openssl dgst -sha256 -mac HMAC` over the literal string to sign, not by
# the code under test: key = base64("contract-test-access-key-bytes!!").
VECTOR_KEY = "Y29udHJhY3QtdGVzdC1hY2Nlc3Mta2V5LWJ5dGVzISE="


VECTOR_DATE = datetime(2025, 1, 7, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("method", "url", "body", "signature", "content_hash"),
    [
        (
            "POST",
            "https://contoso.communication.azure.com/availablePhoneNumbers/countries/US/:browse?api-version=2025-06-01",
            b'{"phoneNumberType":"tollFree"}',
            "3dOUbpzQMcHz8hqTp2KJ2o/Hyl9TPiV3KQyvOuf7Qnc=",
            "1vsW6p4/TLoLoryJwUZE3NgTuba5AP/S1s7xQiJiPU0=",
        ),
        (  # a non-default port is part of the signed host; the + stays %2B in the signed path
            "GET",
            "http://127.0.0.1:8443/phoneNumbers/%2B14255550100?api-version=2025-06-01",
            b"",
            "0ya9PY/eTiT9DWo6w+RFnqBY3oE1Isv5x96J50w0bbI=",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        ),
    ],
)
def test_signature_matches_a_vector_computed_independently(
    method: str, url: str, body: bytes, signature: str, content_hash: str
) -> None:
    auth = AzureHmacAuth(VECTOR_KEY, clock=lambda: VECTOR_DATE)
    request = httpx.Request(method, url, content=body)
    (signed,) = list(auth.auth_flow(request))
    assert signed.headers["x-ms-date"] == "Tue, 07 Jan 2025 10:30:00 GMT"
    assert signed.headers["x-ms-content-sha256"] == content_hash
    assert signed.headers["authorization"] == (
        f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
    )
    # and the same by a second, from-scratch computation (hmac/hashlib only)
    parts = urlsplit(url)
    to_sign = f"{method}\n{parts.path}?{parts.query}\nTue, 07 Jan 2025 10:30:00 GMT;{parts.netloc};{content_hash}"
    mac = hmac.new(base64.b64decode(VECTOR_KEY), to_sign.encode(), hashlib.sha256).digest()
    assert base64.b64encode(mac).decode() == signature
    assert base64.b64encode(hashlib.sha256(body).digest()).decode() == content_hash


def test_a_key_that_is_not_base64_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="not base64") as refused:
        AzureHmacAuth("not*base64*secret")
    assert "secret" not in str(refused.value)
    assert VECTOR_KEY not in repr(AzureHmacAuth(VECTOR_KEY))


async def test_the_endpoint_scheme_and_port_are_honoured() -> None:
    settings = make_settings(
        azure_communication_connection_string=f"endpoint=http://127.0.0.1:8443/;accesskey={ACCESS_KEY}", sandbox=False
    )
    with respx.mock(base_url="http://127.0.0.1:8443", assert_all_called=False) as router:
        AzureWire(router)
        async with httpx.AsyncClient() as http:
            provider = AzureProvider.from_settings(settings, http=http)
            assert provider is not None
            assert await provider.list() == []
        (call,) = router.calls
        assert str(call.request.url) == f"http://127.0.0.1:8443/phoneNumbers?api-version={API_VERSION}&top=100"
        assert call.request.headers["host"] == "127.0.0.1:8443"
        assert_signed(call.request)


async def test_credentials_rejected_say_so_with_azure_reason(azure: AzureProvider, router: respx.MockRouter) -> None:
    mock_auth_failure(router)
    with pytest.raises(ProviderAuthError) as rejected:
        await azure.list()
    assert rejected.value.user_message.startswith("Azure: Azure rejected the credentials (Denied by the resource")
    assert ACCESS_KEY not in rejected.value.user_message
