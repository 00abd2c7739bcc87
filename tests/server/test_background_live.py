"""Background mode over real sockets: live tails, resuming after a dropped connection, webhooks.

The server runs in a thread of this process so that the test moves its clock (a ManualClock) directly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import openai
import pytest
import uvicorn
from openai import OpenAI

from server.app import create_app
from server.config import Settings
from server.engine.ids import ManualClock
from tests.server.conftest import free_port

SECRET = "whsec_" + "c2VjcmV0LWZvci10ZXN0cy0xMjM0NTY3ODkw"  # base64 of a test key


class Receiver:
    """A webhook endpoint: records every delivery; fails the first `fail_first` with a 500."""

    def __init__(self, fail_first: int = 0) -> None:
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers["content-length"]))
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    self.send_response(500)
                else:
                    receiver.deliveries.append((body, {k.lower(): v for k, v in self.headers.items()}))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, seconds: float = 10) -> list[tuple[bytes, dict[str, str]]]:
        deadline = time.monotonic() + seconds
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.deliveries


class ThreadedServer:
    def __init__(self, settings: Settings, clock: ManualClock) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            create_app(settings, clock=clock), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def receiver() -> Receiver:
    return Receiver(fail_first=1)  # the first delivery fails: retried with backoff


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, receiver: Receiver, clock: ManualClock
) -> Iterator[ThreadedServer]:
    db: Path = tmp_path_factory.mktemp("bg") / "bg.db"
    settings = Settings(database_url=f"sqlite:///{db}", webhook_url=receiver.url, webhook_secret=SECRET)
    server = ThreadedServer(settings, clock)
    yield server
    server.stop()


def client(server: ThreadedServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="sk-bg", max_retries=0, _strict_response_validation=True)


def test_the_documented_polling_loop_works_unchanged(server: ThreadedServer) -> None:
    sdk = client(server)
    response = sdk.responses.create(model="gpt-4o", input="poll me", background=True)
    while response.status in {"queued", "in_progress"}:
        time.sleep(0.02)
        response = sdk.responses.retrieve(response.id)
    assert response.status == "completed" and response.output_text == "poll me"


def test_a_live_tail_sees_events_as_they_are_produced(server: ThreadedServer, clock: ManualClock) -> None:
    sdk = client(server)
    stream = sdk.responses.create(
        model="gpt-4o",
        input="live tail",
        background=True,
        stream=True,
        extra_headers={"x-emulator-background": "in_progress_seconds=60"},
    )
    seen = []
    for event in stream:
        seen.append(event.type)
        if event.type == "response.in_progress":
            time.sleep(0.2)  # held: nothing more arrives until the clock moves
            clock.advance(61)
    assert seen[:3] == ["response.created", "response.queued", "response.in_progress"]
    assert seen[-1] == "response.completed"


@pytest.mark.parametrize("drop_after", [1, 3, 6])
def test_resume_after_a_dropped_connection_gets_exactly_the_rest(server: ThreadedServer, drop_after: int) -> None:
    sdk = client(server)
    words = " ".join(f"w{i}" for i in range(20))
    stream = sdk.responses.create(model="gpt-4o", input=words, background=True, stream=True)
    first = []
    for event in stream:
        first.append(event)
        if event.sequence_number == drop_after:
            break
    stream.close()  # the client drops; the response keeps running
    response_id = first[0].response.id  # type: ignore[union-attr]
    rest = list(sdk.responses.retrieve(response_id, stream=True, starting_after=drop_after))
    assert [e.sequence_number for e in rest] == list(range(drop_after + 1, drop_after + 1 + len(rest)))
    assert rest[-1].type == "response.completed"
    full = list(sdk.responses.retrieve(response_id, stream=True))
    assert [e.model_dump() for e in full] == [e.model_dump() for e in first + rest]
    with sdk.responses.stream(response_id=response_id) as replay:
        assert replay.get_final_response().output_text == words


def test_webhooks_are_signed_so_the_sdk_verifies_them(server: ThreadedServer, receiver: Receiver) -> None:
    sdk = client(server)
    before = len(receiver.deliveries)
    done = sdk.responses.create(model="gpt-4o", input="hook me", background=True)
    cancelled = sdk.responses.create(
        model="gpt-4o", input="x", background=True, extra_headers={"x-emulator-background": "queued_seconds=999"}
    )
    sdk.responses.cancel(cancelled.id)
    deliveries = receiver.wait(before + 2)[before:]
    verifier = OpenAI(api_key="unused", webhook_secret=SECRET, base_url=server.base_url)
    events = {}
    for body, headers in deliveries:
        event = verifier.webhooks.unwrap(body, headers)
        events[event.data.id] = event.type
    assert events == {done.id: "response.completed", cancelled.id: "response.cancelled"}
    tampered_body, headers = deliveries[0]
    with pytest.raises(openai.InvalidWebhookSignatureError):
        verifier.webhooks.unwrap(tampered_body.replace(b"response", b"respXnse"), headers)
    assert json.loads(deliveries[0][0])["object"] == "event"
