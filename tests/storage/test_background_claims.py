"""Claiming background jobs in batches (``BackgroundRepo.claim``) on every backend: oldest first, within the
limit, queue holds respected, one transaction; and claimers racing on one database never share a job."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from storage.base import JobRecord
from storage.sql import SqlStore, open_store
from tests.conftest import isolated_postgres_url

pytestmark = pytest.mark.anyio

T = "tenant-a"
NOW = 1_800_000_000.0
LEASE = 5.0


def queued(n: int, **holds: float) -> JobRecord:
    return JobRecord(
        response_id=f"resp_{n:04d}", tenant=T, state="queued", payload={"n": n}, created_at=NOW + n, **holds
    )


async def test_claim_takes_up_to_its_limit_oldest_first_in_one_transaction(store: SqlStore) -> None:
    for n in (3, 1, 4, 0, 2):
        await store.background.enqueue(queued(n))
    commits: list[object] = []

    def committed(conn: object) -> None:
        commits.append(conn)

    event.listen(store.engine, "commit", committed)
    try:
        first = await store.background.claim("worker_a", NOW, LEASE, limit=3)
    finally:
        event.remove(store.engine, "commit", committed)
    assert [job.response_id for job in first] == ["resp_0000", "resp_0001", "resp_0002"]
    assert len(commits) == 1  # one transaction for the three
    assert all(j.state == "running" and j.owner == "worker_a" and j.lease_expires_at == NOW + LEASE for j in first)
    assert [j.payload for j in first] == [{"n": 0}, {"n": 1}, {"n": 2}]
    stored = await store.background.get(T, "resp_0001")
    assert stored is not None and (stored.state, stored.owner) == ("running", "worker_a")

    rest = await store.background.claim("worker_b", NOW, LEASE, limit=10)
    assert [job.response_id for job in rest] == ["resp_0003", "resp_0004"]
    assert await store.background.claim("worker_b", NOW, LEASE, limit=10) == []
    assert await store.background.count_by_state() == {"running": 5}


async def test_claim_leaves_jobs_whose_queue_hold_is_not_over(store: SqlStore) -> None:
    await store.background.enqueue(queued(0, queued_until=NOW + 10))
    await store.background.enqueue(queued(1, queued_polls=2))
    await store.background.enqueue(queued(2))
    assert [j.response_id for j in await store.background.claim("w", NOW, LEASE, limit=5)] == ["resp_0002"]
    await store.background.note_poll(T, "resp_0001")
    await store.background.note_poll(T, "resp_0001")
    claimed = await store.background.claim("w", NOW + 10, LEASE, limit=5)
    assert [j.response_id for j in claimed] == ["resp_0000", "resp_0001"]
    assert all(j.polls == 0 for j in claimed)  # the in-progress hold counts polls afresh


async def test_claim_with_no_room_takes_nothing(store: SqlStore) -> None:
    await store.background.enqueue(queued(0))
    assert await store.background.claim("w", NOW, LEASE, limit=0) == []
    assert await store.background.count_by_state() == {"queued": 1}


async def test_a_job_cancelled_while_queued_is_not_claimed_and_a_claimed_one_not_cancelled(store: SqlStore) -> None:
    await store.background.enqueue(queued(0))
    await store.background.enqueue(queued(1))
    assert await store.background.cancel_queued("resp_0000")
    (claimed,) = await store.background.claim("w", NOW, LEASE, limit=5)
    assert claimed.response_id == "resp_0001"
    assert not await store.background.cancel_queued("resp_0001")


@pytest.fixture(params=["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """One database that several stores (as several servers would) open."""
    if request.param == "sqlite-file":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        with isolated_postgres_url(request.getfixturevalue("postgres_url")) as url:
            yield url


async def test_claimers_racing_on_one_database_never_take_the_same_job(shared_url: str) -> None:
    stores = [open_store(shared_url) for _ in range(2)]
    try:
        for n in range(120):
            await stores[0].background.enqueue(queued(n))
        taken: dict[str, list[str]] = {}

        async def claimer(name: str, store: SqlStore) -> None:
            while batch := await store.background.claim(name, NOW, LEASE, limit=7):
                taken.setdefault(name, []).extend(job.response_id for job in batch)
                await asyncio.sleep(0)

        # Two claimers per store, as two replicas with overlapping claim loops would be.
        await asyncio.gather(*(claimer(f"w{i}", stores[i % 2]) for i in range(4)))
        everything = [rid for ids in taken.values() for rid in ids]
        assert sorted(everything) == [f"resp_{n:04d}" for n in range(120)]  # each exactly once
        for name, ids in taken.items():
            for rid in ids:
                job = await stores[0].background.get(T, rid)
                assert job is not None and job.owner == name
    finally:
        for store in stores:
            await store.close()


async def test_an_empty_claim_on_sqlite_opens_no_write_transaction(tmp_path: Path) -> None:
    """The claim loop polls 50 times a second: with nothing claimable it must not take the write lock."""
    store = open_store(f"sqlite:///{tmp_path / 'emulator.db'}")
    try:
        await store.background.enqueue(queued(0, queued_until=NOW + 10))  # held: not claimable yet
        begins: list[object] = []

        def began(conn: object) -> None:
            begins.append(conn)

        event.listen(store.engine, "begin", began)
        try:
            assert await store.background.claim("w", NOW, LEASE, limit=5) == []
            assert begins == []
            assert [j.response_id for j in await store.background.claim("w", NOW + 10, LEASE, limit=5)] == ["resp_0000"]
            assert len(begins) == 1
        finally:
            event.remove(store.engine, "begin", began)
    finally:
        await store.close()
