"""SIGKILL one of two replicas sharing a PostgreSQL database in the middle of concurrent creates, streams and
background jobs; the other replica, which keeps running, takes over.

The PostgreSQL twin of ``tests/server/test_crash_safety.py``. Several replicas share the database, so there
is no start-up sweep: what the dead replica left unfinished is found by the survivor's takeover pass once
the dead one's lease lapses. Checks: every response whose 200 (or ``response.completed``) reached its client
is retrievable and whole from the survivor; once the lease has lapsed nothing is ``queued`` or ``in_progress``
(foreground streams the kill cut end ``failed``, background jobs run on the survivor or end ``failed``);
the rows agree: every background response has its job, every job is done.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import Engine, func, select

from storage.base import JobRecord, JSONObject, ResponseRecord
from storage.sql import open_store
from storage.tables import background_jobs, responses
from tests.conftest import isolated_postgres_url
from tests.server.conftest import LiveServer, start_server, stop_server
from tests.server.test_crash_safety import (
    KEY,
    Outcome,
    check_acknowledged_whole,
    operate,
    statuses_once_settled,
)

pytestmark = pytest.mark.postgres
OPERATIONS = 120
CLIENTS = 60
LEASE = 1.0


@pytest.fixture
def shared_db(postgres_url: str) -> Iterator[str]:
    with isolated_postgres_url(postgres_url) as url:
        yield url


def replica(tmp: Path, url: str) -> LiveServer:
    tmp.mkdir()
    return start_server(
        tmp,
        "--tokens-per-second",
        "200",  # each reply takes a while: plenty are mid-flight at the kill
        env={
            "OPENAI_EMULATOR_DATABASE_URL": url,
            "OPENAI_EMULATOR_BACKGROUND_LEASE_SECONDS": str(LEASE),
            "OPENAI_EMULATOR_BACKGROUND_HEARTBEAT_SECONDS": "0.2",
        },
    )


def rows_by_status(engine: Engine) -> tuple[dict[str, int], dict[str, int], int]:
    """Responses per status, jobs per state, and background responses that have no job row."""
    with engine.connect() as conn:
        by_status = select(responses.c.status, func.count()).group_by(responses.c.status)
        statuses: dict[str, int] = {status: count for status, count in conn.execute(by_status)}
        by_state = select(background_jobs.c.state, func.count()).group_by(background_jobs.c.state)
        states: dict[str, int] = {state: count for state, count in conn.execute(by_state)}
        jobless = conn.execute(
            select(func.count())
            .select_from(responses)
            .where(responses.c.background.is_(True), ~responses.c.id.in_(select(background_jobs.c.response_id)))
        ).scalar_one()
    return statuses, states, jobless


def test_sigkill_one_replica_mid_traffic_the_other_leaves_nothing_lost_or_stuck(tmp_path: Path, shared_db: str) -> None:
    victim = replica(tmp_path / "victim", shared_db)
    survivor = replica(tmp_path / "survivor", shared_db)
    outcome = Outcome()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(operate, victim, i, outcome) for i in range(OPERATIONS)]
            while sum(f.done() for f in futures) < OPERATIONS // 2 and time.monotonic() - started < 20:
                time.sleep(0.01)
            os.kill(victim.process.pid, signal.SIGKILL)
            victim.process.wait()
            killed_at = time.monotonic()
            killed_after = sum(f.done() for f in futures)
            for future in futures:
                future.result()
        print(
            f"\npostgres crash: killed one replica after {killed_after}/{OPERATIONS} operations "
            f"({killed_at - started:.2f}s); {len(outcome.acknowledged)} acknowledged, "
            f"{len(outcome.background)} background accepted, {outcome.failures} cut by the kill"
        )
        assert outcome.failures > 0, "the kill came too late to cut anything: the test proves nothing"

        with httpx2.Client(base_url=survivor.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
            check_acknowledged_whole(http, outcome)

            # The dead replica's lease lapses LEASE after its last heartbeat; the survivor's takeover runs every
            # LEASE / 4, and a response is only judged orphaned once it is older than the lease (plus a second
            # for created_at's rounding): allow a generous multiple.
            deadline = killed_at + LEASE * 10
            statuses = statuses_once_settled(http, outcome, deadline)
            settled = time.monotonic() - killed_at
        counts = {status: list(statuses.values()).count(status) for status in sorted(set(statuses.values()))}
        stuck = {rid: status for rid, status in statuses.items() if status in ("queued", "in_progress")}
        print(
            f"survivor: {len(outcome.acknowledged)} acknowledged responses whole; statuses {counts}; "
            f"nothing in flight {settled:.2f}s after the kill (lease {LEASE}s)"
        )
        assert not stuck, stuck
        assert {statuses[rid] for rid in outcome.background} <= {"completed", "failed"}

        # The database holds more than the clients saw: responses whose 200 the kill cut (a background one may
        # even lack its job row, the kill falling between the two writes). They too must end.
        store = open_store(shared_db)
        try:
            deadline = killed_at + LEASE * 10
            while True:
                by_status, by_state, jobless = rows_by_status(store.engine)
                in_flight = set(by_status) & {"queued", "in_progress"}
                if (not in_flight and set(by_state) <= {"done"} and not jobless) or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            settled = time.monotonic() - killed_at
        finally:
            store.engine.dispose()
        print(
            f"database {settled:.2f}s after the kill: responses {by_status}; jobs {by_state}; "
            f"background responses without a job {jobless}"
        )
        assert not set(by_status) & {"queued", "in_progress"}, by_status
        assert set(by_state) <= {"done"}, by_state
        assert jobless == 0
    finally:
        for server in (victim, survivor):
            if server.process.poll() is None:
                stop_server(server)
    assert "database is locked" not in survivor.log()
    assert "left in flight by a dead server as failed" in survivor.log()  # the takeover of response leases ran


def test_a_dead_replica_s_leftovers_are_ended_by_a_live_one(tmp_path: Path, shared_db: str) -> None:
    """Each kind of leftover, planted as a dead replica leaves it, deterministically (the kill above may or
    may not fall between a background response's two writes): a foreground stream with a lapsed lease, and a
    background response, plain or streamed, whose job row was never written."""
    store = open_store(shared_db)
    tenant = "tenant-planted"
    created = int(time.time()) - 30  # the dead replica wrote them a while ago

    async def plant() -> None:
        for response_id, background in (("resp_stream", False), ("resp_bg", True), ("resp_bg_stream", True)):
            status = "queued" if background else "in_progress"
            body: JSONObject = {"id": response_id, "object": "response", "status": status, "output": [], "error": None}
            record = ResponseRecord(response_id, tenant, created, status, body, background=background)
            await store.responses.insert(record, input_items=[])
        created_event = {"type": "response.created", "sequence_number": 0, "response": {"id": "resp_bg_stream"}}
        await store.background.append_events(tenant, "resp_bg_stream", [created_event])
        await store.background.lease_responses("worker_dead", ["resp_stream"], now=time.time(), until=time.time() - 1)

    async def read() -> tuple[dict[str, ResponseRecord | None], dict[str, JobRecord | None], list[JSONObject]]:
        names = ("resp_stream", "resp_bg", "resp_bg_stream")
        records = {name: await store.responses.get(tenant, name) for name in names}
        jobs = {name: await store.background.get(tenant, name) for name in names}
        events = await store.background.read_events(tenant, "resp_bg_stream", after=-1)
        return records, jobs, events

    asyncio.run(plant())
    live = replica(tmp_path / "live", shared_db)
    started = time.monotonic()
    try:
        while True:
            records, jobs, events = asyncio.run(read())
            if all(r is not None and r.status == "failed" for r in records.values()) or time.monotonic() - started > 10:
                break
            time.sleep(0.1)
        print(f"\nplanted leftovers ended failed {time.monotonic() - started:.2f}s after a replica started")
        for record in records.values():
            assert record is not None and record.status == "failed", record
            assert record.body["error"]["code"] == "server_error"
            assert "An error occurred while processing your request" in record.body["error"]["message"]
        assert jobs["resp_stream"] is None  # a foreground stream never has a job
        assert all(jobs[name] is not None for name in ("resp_bg", "resp_bg_stream"))
        # A replay of the streamed one ends instead of waiting forever for an event.
        assert [e["type"] for e in events] == ["response.created", "error", "response.failed"]
    finally:
        stop_server(live)
        asyncio.run(store.close())
