"""The production client (create_http_client) on real sockets: what reaches the server, and
which failures say "nothing was changed" and which leave an outcome to find out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal

import httpx
import pytest

from bot.errors import OutcomeUnknown, ProviderUnavailable
from bot.providers.http import ProviderHttp, create_http_client, json_object
from tests.fakes import Sleeps
from tests.redis_server import free_port

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Server:
    """A raw TCP server: each test decides what happens after the request arrives."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.url = ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
        )
        self.requests.append(head + (await reader.readexactly(length) if length else b""))
        await self.answer(reader, writer)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Answer], Awaitable[Server]]]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answer) -> Server:
        server = Server(answer)
        listening = await asyncio.start_server(server._serve, "127.0.0.1", 0)
        servers.append(listening)
        server.url = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
        return server

    yield start
    for listening in servers:
        listening.close()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    http = create_http_client()
    yield http
    await http.aclose()


async def ok(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    body = b'{"cost": 0.10, "count": 1}'
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    await writer.drain()
    writer.close()


async def hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()  # the request arrived; no answer ever comes


async def test_a_request_goes_out_signed_with_its_body_and_the_answer_comes_back(
    serve: Callable[[Answer], Awaitable[Server]], client: httpx.AsyncClient
) -> None:
    server = await serve(ok)
    wire = ProviderHttp(client, "Example", base_url=server.url, auth=httpx.BasicAuth("key", "secret"))

    response = await wire.write("POST", "/buy", action="buying", data={"msisdn": "14155550100"})

    assert json_object(response) == {"cost": Decimal("0.10"), "count": 1}
    (sent,) = server.requests
    assert sent.startswith(b"POST /buy HTTP/1.1")
    headers = dict(line.split(b": ", 1) for line in sent.split(b"\r\n\r\n")[0].split(b"\r\n")[1:])
    assert {k.lower(): v for k, v in headers.items()}[b"authorization"] == b"Basic a2V5OnNlY3JldA=="
    assert sent.endswith(b"msisdn=14155550100")


async def test_a_write_whose_connection_breaks_after_sending_is_an_unknown_outcome(
    serve: Callable[[Answer], Awaitable[Server]], client: httpx.AsyncClient
) -> None:
    server = await serve(hang_up)
    wire = ProviderHttp(client, "Example", base_url=server.url)

    with pytest.raises(OutcomeUnknown, match="buying got no answer"):
        await wire.write("POST", "/buy", action="buying", data={"msisdn": "14155550100"})
    assert len(server.requests) == 1, "the request reached the provider: it may have bought"


async def test_a_write_that_never_connects_changed_nothing(client: httpx.AsyncClient) -> None:
    wire = ProviderHttp(client, "Example", base_url=f"http://127.0.0.1:{free_port()}")

    with pytest.raises(ProviderUnavailable, match="nothing was changed"):
        await wire.write("POST", "/buy", action="buying")


async def test_a_read_that_gets_no_answer_in_time_is_retried_then_unavailable(
    serve: Callable[[Answer], Awaitable[Server]], client: httpx.AsyncClient, sleeps: Sleeps
) -> None:
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    server = await serve(slow)
    wire = ProviderHttp(client, "Example", base_url=server.url, attempts=2, sleep=sleeps)

    with pytest.raises(ProviderUnavailable, match="listing timed out"):
        await wire.read("GET", "/numbers", action="listing", timeout=httpx.Timeout(0.2))
    assert len(server.requests) == 2, "each attempt reached the server"
