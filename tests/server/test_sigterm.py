"""SIGTERM under load: open streams end cleanly, background jobs are handed back, the process exits 0.

A real server has foreground streams open mid-way (paced, so they would run for many seconds more), a
background stream tailing a held job, and background jobs running (some that finish within the shutdown
grace, some that outlive it) and queued. Then it gets SIGTERM. Checks:

* every open stream ends with a well-formed close: every frame whole and parseable, sequence numbers
  0..n, the chunked body properly terminated (no truncated chunk), and no error in the server's log;
* each foreground stream cut by the shutdown is stored ``cancelled`` (the pipeline's promise for generation
  stopped early), never left ``in_progress``;
* the server exits promptly (the sse drain, then the background grace) with exit code 0;
* on the server that carries on -- a second replica on PostgreSQL, or the same server restarted on its
  SQLite file -- queued jobs run to ``completed``, jobs that finished within the grace are ``completed``,
  and running jobs that were handed back end ``failed`` with the generic server error (their partial
  events cannot be continued), so nothing stays ``queued`` or ``in_progress``.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.conftest import isolated_postgres_url
from tests.server.conftest import LiveServer, start_server, stop_server

KEY = "sk-sigterm"
GRACE = 2.0
ENV = {
    "OPENAI_EMULATOR_TOKENS_PER_SECOND": "100",  # a 2,000-word stream would take 20 s
    "OPENAI_EMULATOR_BACKGROUND_LEASE_SECONDS": "1.5",
    "OPENAI_EMULATOR_BACKGROUND_HEARTBEAT_SECONDS": "0.2",
    "OPENAI_EMULATOR_BACKGROUND_SHUTDOWN_GRACE_SECONDS": str(GRACE),
}
LONG_TEXT = " ".join(f"w{n}" for n in range(2000))
TERMINAL = {"response.completed", "response.failed", "response.incomplete"}


@dataclass
class Stream:
    """One stream read on its own thread: the events it got and how it ended."""

    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    started: threading.Event = field(default_factory=threading.Event)

    def read(self, server: LiveServer) -> None:
        try:
            with httpx2.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as h:
                with h.stream("POST", "/responses", json=self.body, headers=self.headers) as answer:
                    assert answer.status_code == 200, answer.read()
                    for line in answer.iter_lines():  # a truncated chunk raises RemoteProtocolError here
                        if line.startswith("data: "):
                            self.events.append(json.loads(line[6:]))
                            if len(self.events) >= 3:
                                self.started.set()
        except Exception as exc:  # recorded, asserted on by the test
            self.error = repr(exc)
        finally:
            self.started.set()

    @property
    def response_id(self) -> str:
        return str(self.events[0]["response"]["id"])


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield "sqlite", f"sqlite:///{tmp_path / 'emulator.db'}"
        return
    with isolated_postgres_url(request.getfixturevalue("postgres_url")) as url:
        yield "postgres", url


def serve(tmp: Path, name: str, url: str) -> LiveServer:
    (tmp / name).mkdir()
    return start_server(tmp / name, "--database-url", url, "--log-level", "info", env=ENV)


def background(http: httpx2.Client, text: str, hold: str) -> str:
    created = http.post(
        "/responses", json={"model": "gpt-4o", "input": text, "background": True}, headers=hold_header(hold)
    )
    assert created.status_code == 200, created.text
    return str(created.json()["id"])


def hold_header(hold: str) -> dict[str, str]:
    return {"x-emulator-background": hold}


def wait_statuses(http: httpx2.Client, ids: list[str], statuses: set[str], seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        bodies = {rid: http.get(f"/responses/{rid}").json() for rid in ids}
        if all(body["status"] in statuses for body in bodies.values()) or time.monotonic() > deadline:
            return bodies
        time.sleep(0.1)


def test_sigterm_ends_open_streams_cleanly_hands_back_jobs_and_exits_0(
    tmp_path: Path, database: tuple[str, str]
) -> None:
    kind, url = database
    a = serve(tmp_path, "a", url)
    successor: LiveServer | None = None
    try:
        with httpx2.Client(base_url=a.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
            held = [background(http, f"held {n}", "in_progress_seconds=60") for n in range(2)]
            finishing = [background(http, f"finishing {n}", "in_progress_seconds=1") for n in range(2)]
            queued = [background(http, f"queued {n}", "queued_seconds=4") for n in range(3)]
            assert all(
                body["status"] == "in_progress" for body in wait_statuses(http, held, {"in_progress"}, 10).values()
            )

        streams = [Stream({"model": "gpt-4o", "input": LONG_TEXT, "stream": True}) for _ in range(4)]
        tail = Stream(
            {"model": "gpt-4o", "input": "held and tailed", "stream": True, "background": True},
            headers=hold_header("in_progress_seconds=60"),
        )
        readers = [threading.Thread(target=s.read, args=(a,)) for s in [*streams, tail]]
        for reader in readers:
            reader.start()
        for stream in [*streams, tail]:
            assert stream.started.wait(10), stream.error
        if kind == "postgres":
            successor = serve(tmp_path, "b", url)  # the replica that carries on

        started = time.monotonic()
        a.process.send_signal(signal.SIGTERM)
        code = a.process.wait(timeout=20)
        exited = time.monotonic() - started
        for reader in readers:
            reader.join(timeout=10)
        print(f"\n{kind}: exit {code} {exited:.2f}s after SIGTERM (grace {GRACE}s)")
        assert code == 0
        assert exited < GRACE + 5

        log = a.log()
        assert "Traceback" not in log and "without completing response" not in log, log
        for stream in [*streams, tail]:
            assert stream.error is None
            assert [e["sequence_number"] for e in stream.events] == list(range(len(stream.events)))
            assert stream.events[0]["type"] == "response.created"
            assert not {e["type"] for e in stream.events} & TERMINAL  # cut before the end, cleanly
        if successor is None:
            successor = serve(tmp_path, "a-restarted", url)

        with httpx2.Client(base_url=successor.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
            cut = wait_statuses(http, [s.response_id for s in streams], {"cancelled"}, 5)
            assert [body["status"] for body in cut.values()] == ["cancelled"] * len(streams)
            handed_back = wait_statuses(http, [*held, tail.response_id], {"failed"}, 10)
            assert [body["status"] for body in handed_back.values()] == ["failed"] * 3
            assert {body["error"]["code"] for body in handed_back.values()} == {"server_error"}
            done = wait_statuses(http, [*finishing, *queued], {"completed"}, 15)
            assert [body["status"] for body in done.values()] == ["completed"] * 5
            texts = [body["output"][0]["content"][0]["text"] for body in done.values()]
            assert texts == [*(f"finishing {n}" for n in range(2)), *(f"queued {n}" for n in range(3))]
    finally:
        for server in (a, successor):
            if server is not None and server.process.poll() is None:
                stop_server(server)
