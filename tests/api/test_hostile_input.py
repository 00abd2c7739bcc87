"""Whatever a client sends, the answer is a clear error or a success: never a crash, a hang or a 500.

In process (ASGI) for the answers themselves; the last tests use a real server over real sockets to show that
a hostile body on one connection does not stop the server from answering others meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from server.protocol.create import JSON_PARSE_ERROR
from tests.server.conftest import LiveServer, start_server, stop_server

pytestmark = pytest.mark.anyio
LIMIT = 12 * 1024 * 1024  # under the 32 MiB default (cheaper), over the 10 MB string test below
SERVER_LIMIT = 1024 * 1024  # the real server's: keeps the bodies sent over sockets small


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"max_body_bytes": LIMIT}


def assert_envelope(response: httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    error = response.json()["error"]
    assert list(error) == ["message", "type", "param", "code"]
    assert isinstance(error["message"], str) and error["message"]
    assert response.headers["x-request-id"].startswith("req_")
    return dict(error)


def assert_parse_error(response: httpx2.Response) -> None:
    error = assert_envelope(response, 400)
    assert error == {"message": JSON_PARSE_ERROR, "type": "invalid_request_error", "param": None, "code": None}


# ---- size limit


async def test_a_body_over_the_limit_with_content_length_gets_413_without_being_read(http: httpx2.AsyncClient) -> None:
    body = json.dumps({"model": "gpt-4o", "input": "x" * LIMIT}).encode()
    response = await http.post("/v1/responses", content=body, headers={"content-type": "application/json"})
    error = assert_envelope(response, 413)
    assert error["type"] == "invalid_request_error" and error["code"] == "request_too_large"
    assert str(LIMIT) in error["message"]


async def test_a_chunked_body_over_the_limit_is_cut_off_as_it_arrives(http: httpx2.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"model": "gpt-4o", "input": "'
        for _ in range(1000):  # 64 MiB if it were all read
            sent += 1
            yield b"x" * 65536
        yield b'"}'

    response = await http.post("/v1/responses", content=chunks())
    assert_envelope(response, 413)
    assert sent < 1000  # reading stopped at the limit: the body was never buffered whole


async def test_a_body_exactly_at_the_limit_is_accepted(http: httpx2.AsyncClient) -> None:
    body = b'{"model": "gpt-4o", "input": "at the limit"}'
    body += b" " * (LIMIT - len(body))  # JSON whitespace: a full-size body without a full-size reply
    response = await http.post("/v1/responses", content=body)
    assert response.status_code == 200
    assert response.json()["output"][0]["content"][0]["text"] == "at the limit"
    over = await http.post("/v1/responses", content=body + b" ")
    assert_envelope(over, 413)


async def test_a_get_with_an_oversized_content_length_is_refused_too(http: httpx2.AsyncClient) -> None:
    response = await http.request("GET", "/v1/models", content=b"z" * (LIMIT + 1))
    assert_envelope(response, 413)


# ---- malformed JSON: the real "could not parse the JSON body" 400


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested-arrays-100k"),
        pytest.param(b'{"a":' * 100_000 + b"1" + b"}" * 100_000, id="nested-objects-100k"),
        pytest.param(b'{"model": "gpt-4o", "input": ' + b"[" * 100_000, id="nested-unterminated"),
        pytest.param(b'{"model": "gpt-4o", "input": "\xff\xfe"}', id="invalid-utf8"),
        pytest.param(b'{"model": "gpt-4o", "input": "\xed\xa0\x80"}', id="utf8-surrogate"),
        pytest.param(b"", id="missing-body"),
        pytest.param(b"   ", id="blank-body"),
        pytest.param(b'{"model": "gpt-4o", "temperature": NaN, "input": "hi"}', id="nan"),
        pytest.param(b'{"model": "gpt-4o", "temperature": Infinity, "input": "hi"}', id="infinity"),
        pytest.param(b'{"model": "gpt-4o", "temperature": -Infinity, "input": "hi"}', id="minus-infinity"),
        pytest.param(b'{"model": "gpt-4o", "temperature": 1e999, "input": "hi"}', id="overflowing-float"),
        pytest.param(b'{"model": "gpt-4o", "input": "hi"} trailing', id="trailing-garbage"),
        pytest.param(b"model=gpt-4o&input=hi", id="form-encoded"),
        pytest.param(b"\x00\x01\x02", id="binary"),
    ],
)
async def test_unparseable_bodies_get_the_parse_error(http: httpx2.AsyncClient, body: bytes) -> None:
    response = await http.post("/v1/responses", content=body, headers={"content-type": "application/json"})
    assert_parse_error(response)


async def test_deep_nesting_that_parses_is_still_a_clear_4xx(http: httpx2.AsyncClient) -> None:
    # Shallow enough for the JSON parser, deep enough to trouble the recursive validators, copies and encoders
    # further on: under MAX_JSON_DEPTH (128) each place answers, past it the body reads as unparseable; never a
    # RecursionError 500.
    for depth in (60, 120, 129, 500, 900, 5000, 20_000):
        nested = "[" * depth + "]" * depth
        for body in (
            f'{{"model": "gpt-4o", "input": {nested}}}',
            f'{{"model": "gpt-4o", "input": "hi", "metadata": {{"k": {nested}}}}}',
            f'{{"model": "gpt-4o", "input": [{{"role": "user", "content": {nested}}}]}}',
            '{"model": "gpt-4o", "input": "hi", "tools": [{"type": "function", "name": "f", "parameters": '
            f'{{"type": "object", "properties": {{"a": {nested}}}}}}}]}}',
            f'{{"model": "gpt-4o", "input": "hi", "text": {{"format": {{"type": "json_schema", "name": "s", '
            f'"schema": {{"type": "object", "x": {nested}}}}}}}}}',
        ):
            response = await http.post("/v1/responses", content=body.encode())
            assert response.status_code < 500, (depth, body[:120], response.text[:300])
            if response.status_code != 200:
                assert_envelope(response, response.status_code)


async def test_the_journal_keeps_nested_and_nan_bodies_as_text(http: httpx2.AsyncClient) -> None:
    depth = 30_000  # 60 KB: inside the journal's body limit, beyond the recursion limit
    await http.post("/v1/responses", content=b"[" * depth + b"]" * depth)
    await http.post("/v1/responses", content=b'{"model": "gpt-4o", "input": "hi", "temperature": NaN}')
    journal = await http.get("/__emulator__/journal", params={"limit": 2})
    assert journal.status_code == 200
    bodies = [entry["request_body"] for entry in journal.json()["data"]]
    assert all(isinstance(body, str) for body in bodies), bodies


# ---- content type, duplicate keys


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None, "image/png"])
async def test_json_is_parsed_whatever_the_content_type(http: httpx2.AsyncClient, content_type: str | None) -> None:
    # Decided: like the real API (whose JSON parser reads every body and whose error text talks only of "the
    # JSON body"), the emulator ignores Content-Type and parses JSON. A client that mislabels a valid JSON body
    # still gets its answer; one that sends something else gets the parse error above.
    headers = {"content-type": content_type} if content_type else {}
    body = json.dumps({"model": "gpt-4o", "input": "typed loosely"}).encode()
    response = await http.post("/v1/responses", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json()["output"][0]["content"][0]["text"] == "typed loosely"


async def test_duplicate_keys_last_one_wins(http: httpx2.AsyncClient) -> None:
    # Like the real API's parser (and Python's json), the last of duplicate keys wins.
    body = b'{"model": "gpt-4o", "input": "first", "input": "second", "metadata": {"k": "a", "k": "b"}}'
    response = await http.post("/v1/responses", content=body)
    assert response.status_code == 200
    assert response.json()["output"][0]["content"][0]["text"] == "second"
    assert response.json()["metadata"] == {"k": "b"}


@pytest.mark.parametrize("body", ["[]", "null", "42", '"text"', "true"])
async def test_a_body_that_is_not_an_object_is_a_400(http: httpx2.AsyncClient, body: str) -> None:
    error = assert_envelope(await http.post("/v1/responses", content=body.encode()), 400)
    assert error["code"] == "invalid_type"


# ---- big but valid


async def test_a_10_mb_input_string_is_answered_quickly(http: httpx2.AsyncClient) -> None:
    text = "word " * 2_000_000  # 10 MB
    started = time.monotonic()
    response = await http.post("/v1/responses", json={"model": "gpt-4o", "input": text})
    elapsed = time.monotonic() - started
    print(f"\n10 MB input: {response.status_code} in {elapsed:.2f}s")
    assert response.status_code < 500
    if response.status_code != 200:
        assert_envelope(response, response.status_code)
    assert elapsed < 15


async def test_100_000_input_items_get_a_clear_answer_within_seconds(http: httpx2.AsyncClient) -> None:
    items = [{"role": "user", "content": f"m{i}"} for i in range(100_000)]
    started = time.monotonic()
    response = await http.post("/v1/responses", json={"model": "gpt-4o", "input": items})
    elapsed = time.monotonic() - started
    print(f"\n100,000 input items: {response.status_code} in {elapsed:.2f}s")
    assert response.status_code < 500
    if response.status_code != 200:
        assert_envelope(response, response.status_code)
    assert elapsed < 15


# ---- a real server keeps serving other clients meanwhile


@pytest.fixture(scope="module")
def small_limit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("hostile"), "--max-body-bytes", str(SERVER_LIMIT))
    yield server
    stop_server(server)


def _post(server: LiveServer, body: bytes, **headers: str) -> httpx2.Response:
    return httpx2.post(
        f"{server.base_url}/responses",
        content=body,
        headers={"authorization": "Bearer sk-hostile", **headers},
        timeout=30,
    )


def _normal(server: LiveServer) -> float:
    started = time.monotonic()
    response = _post(server, json.dumps({"model": "gpt-4o", "input": "still here"}).encode())
    assert response.status_code == 200
    return time.monotonic() - started


def test_a_slow_oversized_upload_does_not_hold_up_others(small_limit_server: LiveServer) -> None:
    """One connection trickles a chunked body; others are served meanwhile, and it gets its 413."""
    host, port = small_limit_server.base_url.removeprefix("http://").removesuffix("/v1").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-hostile\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"a" * 65536
        for i in range(40):  # 2.5 MiB, sent slowly, past the 1 MiB limit
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                break  # the server answered and closed: it stopped reading
            if i % 8 == 0:
                assert _normal(small_limit_server) < 2
        try:
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        head = sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    assert b"request_too_large" in head or b"413" in head
    assert _normal(small_limit_server) < 2


def test_hostile_bodies_on_one_connection_and_normal_requests_on_others(small_limit_server: LiveServer) -> None:
    hostile = [
        b"[" * 100_000 + b"]" * 100_000,
        b"x" * (SERVER_LIMIT + 1),
        b'{"model": "gpt-4o", "input": "\xff"}',
        json.dumps({"model": "gpt-4o", "input": [{"role": "user", "content": "m"}] * 20_000}).encode(),
        json.dumps({"model": "gpt-4o", "input": "w " * 400_000}).encode(),
    ]

    async def run() -> tuple[list[int], list[float]]:
        loop = asyncio.get_running_loop()
        statuses: list[int] = []
        latencies: list[float] = []

        async def attacker() -> None:
            for _ in range(3):
                for body in hostile:
                    response = await loop.run_in_executor(None, lambda b=body: _post(small_limit_server, b))
                    statuses.append(response.status_code)

        async def bystander() -> None:
            for _ in range(15):
                latencies.append(await loop.run_in_executor(None, _normal, small_limit_server))

        await asyncio.gather(attacker(), bystander(), bystander())
        return statuses, latencies

    statuses, latencies = asyncio.run(run())
    print(f"\nhostile statuses {sorted(set(statuses))}; bystanders: {len(latencies)} ok, max {max(latencies):.3f}s")
    assert all(status < 500 for status in statuses)
    assert 413 in statuses and 400 in statuses
    assert max(latencies) < 5
    assert "Traceback" not in small_limit_server.log()


def test_the_limit_is_a_setting(tmp_path: Path) -> None:
    from server.config import Settings

    assert Settings().max_body_bytes == 32 * 1024 * 1024
    assert Settings(max_body_bytes=10).max_body_bytes == 10
