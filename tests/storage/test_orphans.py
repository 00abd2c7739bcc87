"""Response leases and orphans (``BackgroundRepo.lease_responses``/``find_orphans``/``adopt``) on every backend,
and the upgrade of a database written before they existed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from storage.base import JobRecord, OrphanRecord, ResponseRecord
from storage.sql import SqlStore, open_store

pytestmark = pytest.mark.anyio

T = "tenant-a"
NOW = 1_800_000_000.0


async def put(store: SqlStore, response_id: str, status: str, *, background: bool = False, age: float = 60) -> None:
    body = {"id": response_id, "object": "response", "status": status, "output": []}
    record = ResponseRecord(
        id=response_id, tenant=T, created_at=int(NOW - age), status=status, body=body, background=background
    )
    await store.responses.insert(record, input_items=[])


def job(response_id: str, owner: str = "worker_b") -> JobRecord:
    return JobRecord(response_id=response_id, tenant=T, state="running", payload={}, created_at=NOW, owner=owner)


async def orphans(
    store: SqlStore, *, alive_at: float | None = NOW, created_before: float | None = NOW - 5
) -> list[OrphanRecord]:
    return await store.background.find_orphans(alive_at=alive_at, created_before=created_before)


async def test_in_flight_responses_without_a_live_lease_or_a_job_are_orphans(store: SqlStore) -> None:
    await put(store, "resp_stream", "in_progress")
    await put(store, "resp_done", "completed")
    await put(store, "resp_young", "in_progress", age=1)
    await put(store, "resp_queued_no_job", "queued", background=True)
    await put(store, "resp_queued_with_job", "queued", background=True)
    await store.background.enqueue(job("resp_queued_with_job"))
    await put(store, "resp_deleted", "in_progress")
    await store.responses.delete(T, "resp_deleted")

    found = sorted(await orphans(store), key=lambda orphan: orphan.response_id)
    assert found == [
        OrphanRecord(T, "resp_queued_no_job", background=True),
        OrphanRecord(T, "resp_stream", background=False),
    ]
    everything = {o.response_id for o in await orphans(store, alive_at=None, created_before=None)}
    assert everything == {"resp_stream", "resp_young", "resp_queued_no_job"}


async def test_a_live_lease_protects_until_it_lapses_and_the_next_heartbeat_replaces_it(store: SqlStore) -> None:
    await put(store, "resp_a", "in_progress")
    await put(store, "resp_b", "in_progress")
    await store.background.lease_responses("worker_a", ["resp_a", "resp_b"], now=NOW, until=NOW + 5)
    assert await orphans(store) == []
    assert {o.response_id for o in await orphans(store, alive_at=NOW + 6)} == {"resp_a", "resp_b"}

    # resp_b finished: the next heartbeat leases resp_a alone.
    await store.background.lease_responses("worker_a", ["resp_a"], now=NOW + 1, until=NOW + 6)
    assert [o.response_id for o in await orphans(store, alive_at=NOW + 2)] == ["resp_b"]

    # Another server's heartbeat drops worker_a's lapsed rows; a lapsed row and none mean the same.
    await store.background.lease_responses("worker_b", [], now=NOW + 7, until=NOW + 12)
    assert {o.response_id for o in await orphans(store, alive_at=NOW + 7)} == {"resp_a", "resp_b"}
    # A lease taken over by another owner (never twice the same response in practice) does not fail the beat.
    await store.background.lease_responses("worker_b", ["resp_a"], now=NOW + 7, until=NOW + 12)
    await store.background.lease_responses("worker_c", ["resp_a"], now=NOW + 7, until=NOW + 12)
    assert [o.response_id for o in await orphans(store, alive_at=NOW + 8)] == ["resp_b"]


async def test_adopting_an_orphan_and_a_late_enqueue_cannot_both_win(store: SqlStore) -> None:
    await put(store, "resp_q", "queued", background=True)
    assert await store.background.adopt(job("resp_q", owner="worker_sweeper"))
    assert not await store.background.adopt(job("resp_q", owner="worker_other"))
    with pytest.raises(IntegrityError):  # the late enqueue loses
        await store.background.enqueue(job("resp_q", owner="worker_late"))
    adopted = await store.background.get(T, "resp_q")
    assert adopted is not None and adopted.owner == "worker_sweeper"
    assert await orphans(store) == []  # it has a job now: the job's lease says whose it is


async def test_a_database_from_before_response_leases_is_upgraded_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = open_store(f"sqlite:///{path}")
    await put(store, "resp_old", "in_progress")
    await store.close()
    with sqlite3.connect(path) as conn:  # as the previous version left it
        conn.execute("DROP TABLE response_leases")
        conn.execute("DROP INDEX ix_responses_in_flight")

    reopened = open_store(f"sqlite:///{path}")
    try:
        inspector = inspect(reopened.engine)
        assert "response_leases" in inspector.get_table_names()
        assert "ix_responses_in_flight" in {index["name"] for index in inspector.get_indexes("responses")}
        assert [o.response_id for o in await orphans(reopened)] == ["resp_old"]
        with reopened.engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM responses WHERE status IN ('queued', 'in_progress')"
            ).all()
        assert "ix_responses_in_flight" in str(plan)
    finally:
        await reopened.close()
    open_store(f"sqlite:///{path}").engine.dispose()  # and opening it again changes nothing
