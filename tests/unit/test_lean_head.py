"""``LeanHeadCycle`` writes exactly the bytes uvicorn's own cycle writes, and keeps its state the same."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

from server.http_protocol import LeanHeadCycle
from tests.unit.test_corked_transport import RecordingTransport

pytestmark = pytest.mark.anyio

DEFAULT_HEADERS = [(b"date", b"Thu, 03 Dec 2026 06:54:52 GMT"), (b"server", b"uvicorn")]
OURS = [
    (b"x-request-id", b"req_c296a488c02714071e319a3d6acd3b66"),
    (b"openai-processing-ms", b"4"),
    (b"x-ratelimit-reset-tokens", b"2ms"),
]

CASES: list[tuple[str, bool, dict[str, Any]]] = [
    ("GET", True, {"status": 200, "headers": [(b"content-length", b"5"), (b"content-type", b"application/json")]}),
    ("POST", True, {"status": 200, "headers": [(b"Content-Length", b"5"), *OURS]}),  # any case of name
    ("POST", True, {"status": 200, "headers": [(b"content-type", b"text/event-stream"), *OURS]}),  # chunked
    ("GET", False, {"status": 404, "headers": [(b"content-length", b"5")]}),  # not keep-alive: connection: close
    ("HEAD", True, {"status": 200, "headers": []}),
    ("GET", True, {"status": 204, "headers": []}),
    ("GET", True, {"status": 200, "headers": [(b"transfer-encoding", b"chunked")]}),  # uvicorn's own path
    ("GET", True, {"status": 200, "headers": [(b"connection", b"close"), (b"content-length", b"5")]}),
]


def cycle(kind: type[RequestResponseCycle], method: str, keep_alive: bool) -> tuple[Any, RecordingTransport]:
    transport = RecordingTransport()
    made = kind(
        scope={"type": "http", "method": method, "http_version": "1.1", "path": "/", "query_string": b""},
        transport=transport,
        flow=FlowControl(transport),
        logger=logging.getLogger("test"),
        access_logger=logging.getLogger("test.access"),
        access_log=False,
        default_headers=list(DEFAULT_HEADERS),
        message_event=asyncio.Event(),
        expect_100_continue=False,
        keep_alive=keep_alive,
        on_response=lambda: None,
    )
    return made, transport


@pytest.mark.parametrize(("method", "keep_alive", "start"), CASES)
async def test_the_head_is_uvicorns_byte_for_byte(method: str, keep_alive: bool, start: dict[str, Any]) -> None:
    theirs, their_transport = cycle(RequestResponseCycle, method, keep_alive)
    ours, our_transport = cycle(LeanHeadCycle, method, keep_alive)
    message = {"type": "http.response.start", **start}

    await theirs.send(dict(message))
    await ours.send(dict(message))

    assert our_transport.writes == their_transport.writes
    state = ("response_started", "chunked_encoding", "expected_content_length", "keep_alive")
    assert [getattr(ours, name) for name in state] == [getattr(theirs, name) for name in state]


@pytest.mark.parametrize("bad", [(b"x bad", b"v"), (b"x-ok", b"new\nline")])
async def test_an_invalid_header_gets_uvicorns_error(bad: tuple[bytes, bytes]) -> None:
    ours, transport = cycle(LeanHeadCycle, "GET", True)
    with pytest.raises(RuntimeError, match="Invalid HTTP header"):
        await ours.send({"type": "http.response.start", "status": 200, "headers": [bad]})
    assert transport.writes == []
