"""Streaming over real sockets: the SDK's stream helpers, incremental delivery, and client disconnects."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx2
import pytest
from openai import AsyncOpenAI, OpenAI
from pydantic import BaseModel

from tests.server.conftest import LiveServer, start_server, stop_server

LONG_TEXT = " ".join(f"token{i}" for i in range(150))  # 150 deltas


class Person(BaseModel):
    name: str
    age: int


def sync_client(server: LiveServer, api_key: str = "sk-live") -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key=api_key, max_retries=0, _strict_response_validation=True)


@pytest.fixture(scope="module")
def paced_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server that sends 100 deltas a second, so streams take long enough to observe and interrupt."""
    server = start_server(tmp_path_factory.mktemp("paced"), env={"OPENAI_EMULATOR_TOKENS_PER_SECOND": "100"})
    yield server
    stop_server(server)


def test_sync_stream_helper_gives_text_deltas_and_the_final_response(live_server: LiveServer) -> None:
    client = sync_client(live_server)
    with client.responses.stream(model="gpt-4o", input="stream me, please") as stream:
        text = "".join(event.delta for event in stream if event.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert text == "stream me, please" and final.output_text == text and final.status == "completed"
    assert client.responses.retrieve(final.id).output_text == text


def test_sync_create_stream_true_yields_every_event_in_order(live_server: LiveServer) -> None:
    client = sync_client(live_server)
    events = list(client.responses.create(model="gpt-5-mini", input="ordered", stream=True))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"


def test_sync_parse_stream_with_text_format_returns_a_pydantic_instance(live_server: LiveServer) -> None:
    client = sync_client(live_server)
    # The echo model replies with the user's text, so valid JSON in gives valid JSON out.
    with client.responses.stream(model="gpt-4o", input='{"name": "Ada", "age": 36}', text_format=Person) as stream:
        final = stream.get_final_response()
    assert final.output_parsed == Person(name="Ada", age=36)
    parsed = client.responses.parse(model="gpt-4o", input='{"name": "Bo", "age": 7}', text_format=Person)
    assert parsed.output_parsed == Person(name="Bo", age=7)


async def test_async_stream_helper_against_the_live_server(live_server: LiveServer) -> None:
    async with AsyncOpenAI(
        base_url=live_server.base_url, api_key="sk-live", max_retries=0, _strict_response_validation=True
    ) as client:
        async with client.responses.stream(model="gpt-4o", input="async stream") as stream:
            deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
            final = await stream.get_final_response()
    assert "".join(deltas) == "async stream" == final.output_text


test_async_stream_helper_against_the_live_server = pytest.mark.anyio(test_async_stream_helper_against_the_live_server)


def test_events_arrive_incrementally_not_all_at_the_end(paced_server: LiveServer) -> None:
    arrivals: list[float] = []
    started = time.monotonic()
    with httpx2.stream(
        "POST",
        f"{paced_server.base_url}/responses",
        json={"model": "gpt-4o", "input": LONG_TEXT, "stream": True},
        headers={"Authorization": "Bearer sk-live"},
        timeout=30,
    ) as response:
        for line in response.iter_lines():
            if line.startswith("event: "):
                arrivals.append(time.monotonic() - started)
    # 150 deltas at 100/s take 1.5 s; the first events must arrive long before the last.
    assert len(arrivals) > 100
    assert arrivals[-1] - arrivals[0] > 0.8
    assert arrivals[2] < arrivals[-1] / 4


def test_client_disconnect_stops_generation_and_ends_the_stored_response(paced_server: LiveServer) -> None:
    client = sync_client(paced_server, "sk-disconnect")
    stream = client.responses.create(model="gpt-4o", input=LONG_TEXT, stream=True)
    response_id = None
    for event in stream:
        if event.type == "response.created":
            response_id = event.response.id
        if event.type == "response.output_text.delta" and event.sequence_number > 10:
            break
    stream.close()
    assert response_id is not None
    deadline = time.monotonic() + 5
    stored = client.responses.retrieve(response_id)
    while stored.status == "in_progress" and time.monotonic() < deadline:
        time.sleep(0.05)
        stored = client.responses.retrieve(response_id)
    assert stored.status == "cancelled" and stored.usage is None
    # Generation stopped: the stored response does not keep growing afterwards.
    time.sleep(0.3)
    assert client.responses.retrieve(response_id).model_dump() == stored.model_dump()
    # And the server still serves everyone else.
    assert client.responses.create(model="gpt-4o", input="still alive").output_text == "still alive"


def test_stored_while_streaming_is_retrievable_in_progress(paced_server: LiveServer) -> None:
    client = sync_client(paced_server, "sk-in-progress")
    snapshot = None
    with client.responses.stream(model="gpt-4o", input=LONG_TEXT) as stream:
        for event in stream:
            if event.type == "response.created":
                response_id = event.response.id
            if event.type == "response.output_text.delta" and snapshot is None:
                snapshot = client.responses.retrieve(response_id)
        final = stream.get_final_response()
    assert snapshot is not None and snapshot.status == "in_progress" and snapshot.output == []
    retrieved = client.responses.retrieve(final.id)
    assert retrieved.status == "completed" and retrieved.output_text == final.output_text == LONG_TEXT
    assert retrieved.usage == final.usage and [i.id for i in retrieved.output] == [i.id for i in final.output]
