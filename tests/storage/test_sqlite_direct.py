"""SQLite's hot path (storage.sqlite_direct): inline on the event loop when free, in a thread when not."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from storage.base import ResponseRecord
from storage.sql import SqlStore, open_store
from storage.sql_common import _SQLITE_WRITE_LOCKS
from storage.sqlite_checkpoint import WalCheckpointer
from storage.sqlite_direct import SqliteDirect

pytestmark = pytest.mark.anyio


@pytest.fixture
async def file_store(tmp_path: Path) -> AsyncIterator[tuple[SqlStore, Path]]:
    path = tmp_path / "emulator.db"
    store = open_store(f"sqlite:///{path}")
    yield store, path
    await store.close()


def _record(response_id: str) -> ResponseRecord:
    body = {"id": response_id, "object": "response", "status": "completed", "output": []}
    return ResponseRecord(id=response_id, tenant="t", created_at=1, status="completed", body=body)


async def _loop_ticks_while(task: asyncio.Task[object], seconds: float) -> int:
    """How many 10 ms sleeps the loop completed while ``task`` was pending (a blocked loop completes none)."""
    ticks = 0
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
        assert not task.done(), "the write finished while another process held the database's write lock"
        ticks += 1
    return ticks


async def test_write_waits_in_a_thread_while_another_process_holds_the_lock(
    file_store: tuple[SqlStore, Path],
) -> None:
    store, path = file_store
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    task = asyncio.create_task(store.responses.insert(_record("resp_a"), input_items=[]))
    ticks = await _loop_ticks_while(task, 0.3)
    assert ticks >= 10  # the event loop kept running while the write waited
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(task, 10)
    stored = await store.responses.get("t", "resp_a")
    assert stored is not None and stored.body["id"] == "resp_a"


async def test_write_waits_for_a_writer_thread_of_this_process(file_store: tuple[SqlStore, Path]) -> None:
    store, _ = file_store
    lock = _SQLITE_WRITE_LOCKS[store.engine]
    held, release = threading.Event(), threading.Event()

    def writer_thread() -> None:
        with lock:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=writer_thread)
    thread.start()
    held.wait(10)
    task = asyncio.create_task(store.responses.insert(_record("resp_b"), input_items=[]))
    assert await _loop_ticks_while(task, 0.2) >= 5
    release.set()
    await asyncio.wait_for(task, 10)
    thread.join()
    assert await store.responses.get("t", "resp_b") is not None


async def test_reads_go_on_while_another_process_writes(file_store: tuple[SqlStore, Path]) -> None:
    store, path = file_store
    await store.responses.insert(_record("resp_c"), input_items=[])
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE responses SET status = 'failed' WHERE id = 'resp_c'")
    try:
        stored = await asyncio.wait_for(store.responses.get("t", "resp_c"), 1)
        assert stored is not None and stored.status == "completed"  # the last committed state (WAL snapshot)
    finally:
        other.execute("ROLLBACK")
        other.close()


async def test_a_failed_write_leaves_nothing_and_the_next_one_works(file_store: tuple[SqlStore, Path]) -> None:
    store, _ = file_store
    await store.responses.insert(_record("resp_d"), input_items=[{"id": "msg_1", "type": "message"}])
    with pytest.raises(KeyError):
        await store.responses.insert(_record("resp_d"), input_items=[{"id": "msg_2", "type": "message"}])
    page = await store.responses.list_input_items("t", "resp_d")
    assert page is not None and [item["id"] for item in page.data] == ["msg_1"]
    await store.responses.insert(_record("resp_e"), input_items=[])
    assert await store.responses.get("t", "resp_e") is not None


async def test_values_orjson_refuses_round_trip(file_store: tuple[SqlStore, Path]) -> None:
    store, _ = file_store
    record = _record("resp_f")
    odd = {"id": "msg_1", "type": "message", "text": "lone \ud800 surrogate", "big": 2**70}
    await store.responses.insert(record, input_items=[odd])
    assert await store.responses.context_items("t", ["resp_f"]) == [odd]


async def test_commits_never_checkpoint_and_the_thread_does(tmp_path: Path) -> None:
    path = tmp_path / "emulator.db"
    store = open_store(f"sqlite:///{path}")
    try:
        assert store._checkpointer is not None
        store._checkpointer.stop()  # only the one started below checkpoints, when this test says
        empty = path.stat().st_size
        big = {"text": "x" * 3000}
        for n in range(400):  # ~1,200 WAL pages: past the 1,000 at which a commit would checkpoint by default
            await store.responses.insert(_record(f"resp_{n:04d}"), input_items=[{"id": f"msg_{n}", **big}])
        assert path.stat().st_size == empty  # nothing was copied back into the database file by a commit
        checkpointer = WalCheckpointer(store.engine, interval=0.05)
        try:
            for _ in range(100):
                if path.stat().st_size > empty:
                    break
                await asyncio.sleep(0.05)
            assert path.stat().st_size > empty + 1_000_000
        finally:
            checkpointer.stop()
    finally:
        await store.close()


def _direct(store: SqlStore) -> SqliteDirect:
    assert store._direct is not None
    return store._direct


async def test_concurrent_writes_share_one_commit(file_store: tuple[SqlStore, Path]) -> None:
    store, _ = file_store
    ids = [f"resp_g{n}" for n in range(16)]
    await asyncio.gather(*(store.responses.insert(_record(rid), input_items=[]) for rid in ids))
    assert (_direct(store).groups_committed, _direct(store).grouped_writes) == (1, 16)
    for rid in ids:
        assert await store.responses.get("t", rid) is not None


async def test_a_write_made_on_the_next_turn_still_joins_the_group(file_store: tuple[SqlStore, Path]) -> None:
    """As a request that the loop's next poll delivered: it reaches its write a turn after the first one."""
    store, _ = file_store
    first = asyncio.ensure_future(store.responses.insert(_record("resp_t0"), input_items=[]))
    await asyncio.sleep(0)  # one turn: the first write has joined its group
    assert not first.done()
    await asyncio.gather(first, store.responses.insert(_record("resp_t1"), input_items=[]))
    assert (_direct(store).groups_committed, _direct(store).grouped_writes) == (1, 2)


async def test_a_failing_write_in_a_group_fails_alone(file_store: tuple[SqlStore, Path]) -> None:
    store, _ = file_store
    await store.responses.insert(_record("resp_taken"), input_items=[])
    results = await asyncio.gather(
        store.responses.insert(_record("resp_h1"), input_items=[{"id": "msg_h1", "type": "message"}]),
        store.responses.insert(_record("resp_taken"), input_items=[{"id": "msg_dup", "type": "message"}]),
        store.responses.insert(_record("resp_h2"), input_items=[]),
        return_exceptions=True,
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], KeyError)
    assert await store.responses.get("t", "resp_h1") is not None and await store.responses.get("t", "resp_h2")
    assert await store.responses.context_items("t", ["resp_h1", "resp_taken"]) == [{"id": "msg_h1", "type": "message"}]


async def test_a_write_whose_caller_is_cancelled_is_still_made(file_store: tuple[SqlStore, Path]) -> None:
    # As when writes ran inline at once: a cancelled stream's last save must not be lost.
    store, _ = file_store
    kept = asyncio.create_task(store.responses.insert(_record("resp_kept"), input_items=[]))
    cancelled = asyncio.create_task(store.responses.insert(_record("resp_cancelled"), input_items=[]))
    await asyncio.sleep(0)  # both have joined the group, which runs on the loop's next turn
    cancelled.cancel()
    await kept
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert await store.responses.get("t", "resp_kept") is not None
    assert await store.responses.get("t", "resp_cancelled") is not None


async def test_a_group_waits_in_a_thread_while_another_process_holds_the_lock(
    file_store: tuple[SqlStore, Path],
) -> None:
    store, path = file_store
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    group = asyncio.ensure_future(
        asyncio.gather(*(store.responses.insert(_record(f"resp_w{n}"), input_items=[]) for n in range(3)))
    )
    assert await _loop_ticks_while(group, 0.3) >= 10
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(group, 10)
    for n in range(3):
        assert await store.responses.get("t", f"resp_w{n}") is not None


async def test_the_redundant_tenant_id_index_of_older_databases_is_dropped_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = open_store(f"sqlite:///{path}")
    await store.responses.insert(_record("resp_old"), input_items=[])
    await store.close()
    with sqlite3.connect(path) as conn:  # as versions before it went left it
        conn.execute("CREATE INDEX ix_responses_tenant_id ON responses (tenant, id)")

    reopened = open_store(f"sqlite:///{path}")
    try:
        names = {index["name"] for index in inspect(reopened.engine).get_indexes("responses")}
        assert "ix_responses_tenant_id" not in names
        with reopened.engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT body FROM responses WHERE tenant = 't' AND id = 'resp_old' AND deleted = 0"
            ).all()
        assert "sqlite_autoindex_responses_1" in str(plan)  # the primary key finds it
        assert await reopened.responses.get("t", "resp_old") is not None
    finally:
        await reopened.close()
