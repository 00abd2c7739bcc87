"""Scripted faults that only a real connection shows: a dropped stream, latency, and the flat error form."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import openai
import pytest
from openai import OpenAI

from tests.server.conftest import LiveServer, start_server, stop_server

FAULTS = """
scenarios:
  - name: drops
    match: {metadata: {s: drops}}
    turns: [{output: [{message: "one two three four five six seven eight nine ten"}], drop_after_events: 6}]
  - name: slow
    match: {metadata: {s: slow}}
    turns: [{output: [{message: "slow reply"}], latency: {delay_ms: 400}}]
  - name: fails
    match: {metadata: {s: fails}}
    turns: [{output: [{message: "partial"}], fail: {code: server_error, message: "boom"}}]
"""


@pytest.fixture(scope="module")
def scripted_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("scripted")
    scenario_file: Path = tmp / "faults.yaml"
    scenario_file.write_text(FAULTS)
    server = start_server(
        tmp,
        env={
            "OPENAI_EMULATOR_SCENARIO_PATHS": f'["{scenario_file}"]',
            "OPENAI_EMULATOR_FLAT_ERROR_EVENTS": "true",
        },
    )
    yield server
    stop_server(server)


def client(server: LiveServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="sk-faults", max_retries=0, _strict_response_validation=True)


def test_a_dropped_connection_surfaces_as_a_connection_error_mid_stream(scripted_server: LiveServer) -> None:
    received = []
    with pytest.raises((openai.APIConnectionError, httpx2.TransportError)):
        for event in client(scripted_server).responses.create(
            model="gpt-4o", input="x", metadata={"s": "drops"}, stream=True
        ):
            received.append(event.type)
    assert received[:2] == ["response.created", "response.in_progress"] and len(received) == 6
    # The server keeps serving after the fault.
    assert client(scripted_server).responses.create(model="gpt-4o", input="fine").output_text == "fine"


def test_scripted_latency_delays_the_response(scripted_server: LiveServer) -> None:
    started = time.monotonic()
    response = client(scripted_server).responses.create(model="gpt-4o", input="x", metadata={"s": "slow"})
    assert response.output_text == "slow reply" and time.monotonic() - started >= 0.4


def test_the_flat_error_setting_lets_the_sdk_see_the_error_event_and_response_failed(
    scripted_server: LiveServer,
) -> None:
    events = list(
        client(scripted_server).responses.create(model="gpt-4o", input="x", metadata={"s": "fails"}, stream=True)
    )
    error, failed = events[-2], events[-1]
    assert error.type == "error" and error.code == "server_error" and error.message == "boom"
    assert failed.type == "response.failed" and failed.response.error is not None
    assert failed.response.error.message == "boom"
