"""Two server processes sharing one PostgreSQL database behave as one service.

Create on A, poll/cancel/resume on B; a job whose server is killed with SIGKILL is ended ``failed`` by the
other server once its lease lapses; a server stopped gracefully hands its running jobs back.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openai import OpenAI

from tests.conftest import isolated_postgres_url
from tests.server.conftest import LiveServer, start_server, stop_server

pytestmark = pytest.mark.postgres
LEASE = 1.5


@pytest.fixture
def shared_db(postgres_url: str) -> Iterator[str]:
    with isolated_postgres_url(postgres_url) as url:
        yield url


def replica(tmp: Path, name: str, url: str, **env: str) -> LiveServer:
    return start_server(
        tmp / name,
        "--log-level",
        "info",
        env={
            "OPENAI_EMULATOR_DATABASE_URL": url,
            "OPENAI_EMULATOR_BACKGROUND_LEASE_SECONDS": str(LEASE),
            "OPENAI_EMULATOR_BACKGROUND_HEARTBEAT_SECONDS": "0.2",
            **env,
        },
    )


def sdk(server: LiveServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="sk-replicas", max_retries=0, _strict_response_validation=True)


@pytest.fixture
def pair(tmp_path: Path, shared_db: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = replica(tmp_path, "a", shared_db), replica(tmp_path, "b", shared_db)
    yield a, b
    for server in (a, b):
        if server.process.poll() is None:
            stop_server(server)


def wait_status(client: OpenAI, response_id: str, statuses: set[str], seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    status = client.responses.retrieve(response_id).status or ""
    while status not in statuses and time.monotonic() < deadline:
        time.sleep(0.05)
        status = client.responses.retrieve(response_id).status or ""
    return status


def test_created_on_a_polled_and_listed_on_b(pair: tuple[LiveServer, LiveServer]) -> None:
    a, b = pair
    created = sdk(a).responses.create(model="gpt-4o", input="across replicas", background=True)
    assert wait_status(sdk(b), created.id, {"completed"}) == "completed"
    assert sdk(b).responses.retrieve(created.id).output_text == "across replicas"
    foreground = sdk(b).responses.create(model="gpt-4o", input="chained", previous_response_id=created.id)
    assert sdk(a).responses.retrieve(foreground.id).previous_response_id == created.id


def test_cancel_on_b_stops_a_job_running_anywhere(pair: tuple[LiveServer, LiveServer]) -> None:
    a, b = pair
    created = sdk(a).responses.create(
        model="gpt-4o", input="x", background=True, extra_headers={"x-emulator-background": "in_progress_seconds=60"}
    )
    assert wait_status(sdk(b), created.id, {"in_progress"}) == "in_progress"
    cancelled = sdk(b).responses.cancel(created.id)
    assert cancelled.status == "cancelled"
    assert sdk(a).responses.retrieve(created.id).status == "cancelled"


def test_resume_on_b_a_stream_started_on_a_and_measure_the_tail_latency(pair: tuple[LiveServer, LiveServer]) -> None:
    a, b = pair
    stream = sdk(a).responses.create(
        model="gpt-4o",
        input="tail me across servers",
        background=True,
        stream=True,
        extra_headers={"x-emulator-background": "in_progress_seconds=1"},
    )
    first = [next(iter(stream)) for _ in range(2)]
    stream.close()
    response_id = first[0].response.id  # type: ignore[union-attr]
    arrivals = []
    started = time.monotonic()
    rest = []
    for event in sdk(b).responses.retrieve(response_id, stream=True, starting_after=1):
        rest.append(event)
        arrivals.append(time.monotonic() - started)
    assert [e.sequence_number for e in rest] == list(range(2, 2 + len(rest)))
    assert rest[0].type == "response.in_progress" and rest[-1].type == "response.completed"
    # B sees A's events by polling the shared log; the whole tail follows the 1 s hold within a few polls.
    print(f"\ncross-replica tail: {len(rest)} events, last after {arrivals[-1]:.3f}s (hold 1s)")
    assert arrivals[-1] < 3


def test_a_killed_server_s_job_is_ended_failed_by_the_other(tmp_path: Path, shared_db: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = replica(tmp_path, "a", shared_db)
    created = sdk(a).responses.create(
        model="gpt-4o", input="x", background=True, extra_headers={"x-emulator-background": "in_progress_seconds=600"}
    )
    assert wait_status(sdk(a), created.id, {"in_progress"}) == "in_progress"
    b = replica(tmp_path, "b", shared_db)  # started after A claimed the job
    try:
        os.kill(a.process.pid, signal.SIGKILL)
        a.process.wait()
        started = time.monotonic()
        assert wait_status(sdk(b), created.id, {"failed"}, seconds=LEASE * 6) == "failed"
        print(f"\nkilled server's job ended failed after {time.monotonic() - started:.2f}s (lease {LEASE}s)")
        failed = sdk(b).responses.retrieve(created.id)
        assert failed.error is not None and failed.error.code == "server_error"
    finally:
        stop_server(b)


def test_a_gracefully_stopped_server_hands_its_jobs_back(tmp_path: Path, shared_db: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = replica(tmp_path, "a", shared_db, OPENAI_EMULATOR_BACKGROUND_SHUTDOWN_GRACE_SECONDS="0.2")
    created = sdk(a).responses.create(
        model="gpt-4o", input="x", background=True, extra_headers={"x-emulator-background": "in_progress_seconds=600"}
    )
    assert wait_status(sdk(a), created.id, {"in_progress"}) == "in_progress"
    b = replica(tmp_path, "b", shared_db)
    try:
        stop_server(a)  # SIGTERM: the job outlives the grace period and is handed back
        assert "Application shutdown complete" in a.log() and a.process.returncode == 0
        assert wait_status(sdk(b), created.id, {"failed"}, seconds=LEASE * 6) == "failed"
    finally:
        stop_server(b)
