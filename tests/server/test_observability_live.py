"""Observability of a real server process: JSON request lines in its log, and the streams-open gauge while a
paced stream is being written."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.server.conftest import LiveServer, start_server, stop_server

KEY = "sk-observed-secret-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(
        tmp_path_factory.mktemp("observed"),
        "--log-format",
        "json",
        "--log-level",
        "info",
        "--tokens-per-second",
        "40",
    )
    yield live
    stop_server(live)


def root(server: LiveServer) -> str:
    return server.base_url.removesuffix("/v1")


def streams_open(server: LiveServer) -> float:
    text = httpx2.get(f"{root(server)}/metrics").text
    family = next(f for f in text_string_to_metric_families(text) if f.name == "openai_emulator_streams_open")
    return family.samples[0].value


def request_lines(server: LiveServer) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "openai_emulator.access"]


def test_every_log_line_is_json_and_each_request_has_one_line_with_its_request_id(server: LiveServer) -> None:
    reply = httpx2.post(
        f"{server.base_url}/responses",
        headers={"Authorization": f"Bearer {KEY}"},
        json={"model": "gpt-4o", "input": "log me"},
        timeout=30,
    )
    request_id = reply.headers["x-request-id"]
    deadline = time.monotonic() + 5
    while not any(line["request_id"] == request_id for line in request_lines(server)):
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.05)
    (line,) = [line for line in request_lines(server) if line["request_id"] == request_id]
    assert {k: line[k] for k in ("level", "message", "method", "route", "status", "stream")} == {
        "level": "info",
        "message": "request",
        "method": "POST",
        "route": "/v1/responses",
        "status": 200,
        "stream": False,
    }
    assert str(line["tenant"]).startswith("key:") and isinstance(line["latency_ms"], float)
    for raw in Path(server.log_path).read_text().splitlines():
        json.loads(raw)  # nothing but JSON lines, uvicorn's included
    assert KEY not in server.log() and KEY[-4:] not in str(request_lines(server))


def test_streams_open_counts_a_stream_while_it_is_written(server: LiveServer) -> None:
    assert streams_open(server) == 0
    body = {"model": "gpt-4o", "input": " ".join(["word"] * 40), "stream": True}
    with httpx2.stream(
        "POST", f"{server.base_url}/responses", headers={"Authorization": f"Bearer {KEY}"}, json=body, timeout=30
    ) as stream:
        lines = stream.iter_lines()
        next(line for line in lines if line.startswith("event: response.output_text.delta"))
        assert streams_open(server) == 1  # paced at 40 deltas a second: still being written
        for _ in lines:
            pass
    deadline = time.monotonic() + 5
    while streams_open(server) != 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (line,) = [line for line in request_lines(server) if line["stream"]]
    assert line["status"] == 200 and float(str(line["latency_ms"])) > 500  # the whole stream, not its headers
