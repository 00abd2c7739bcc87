"""What ``open_store`` does differently per dialect: SQLite set-up and locking, PostgreSQL driver choice."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import storage.sql
from storage.base import ResponseRecord
from storage.sql import _Runner, open_store

pytestmark = pytest.mark.anyio


def _record(response_id: str) -> ResponseRecord:
    return ResponseRecord(id=response_id, tenant="t", created_at=1, status="completed", body={"id": response_id})


async def test_a_sqlite_file_store_creates_its_directory_and_sets_its_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "does" / "not" / "exist" / "emulator.db"

    store = open_store(f"sqlite:///{path}")
    try:
        with store.engine.connect() as conn:
            pragmas = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
            }
    finally:
        await store.close()

    assert path.is_file()
    # synchronous: 1 is NORMAL.
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 5000, "synchronous": 1, "foreign_keys": 1}


async def test_a_sqlite_file_store_keeps_its_data_across_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'emulator.db'}"
    store = open_store(url)
    await store.responses.insert(_record("resp_1"), input_items=[{"id": "msg_1"}])
    await store.close()

    reopened = open_store(url)
    try:
        assert await reopened.responses.get("t", "resp_1") == _record("resp_1")
        assert await reopened.responses.get_item("t", "msg_1") == {"id": "msg_1"}
    finally:
        await reopened.close()


async def test_a_sqlite_write_waits_for_another_process_holding_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "emulator.db"
    store = open_store(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another writer, e.g. a second emulator process on the same file

    def release_later() -> None:
        time.sleep(0.5)
        other.execute("COMMIT")

    releaser = threading.Thread(target=release_later)
    releaser.start()
    try:
        await store.responses.insert(_record("resp_1"), input_items=[])
        assert await store.responses.get("t", "resp_1") is not None
    finally:
        releaser.join()
        other.close()
        await store.close()


async def test_in_memory_sqlite_stores_are_independent() -> None:
    first, second = open_store("sqlite://"), open_store("sqlite://")
    try:
        await first.responses.insert(_record("resp_1"), input_items=[])
        assert await second.responses.get("t", "resp_1") is None
    finally:
        await first.close()
        await second.close()


def test_an_unsupported_database_url_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        open_store("mysql://user:secret@localhost/db")


@pytest.mark.postgres
async def test_a_plain_postgresql_url_is_driven_by_psycopg_3(postgres_url: str) -> None:
    store = open_store(postgres_url.replace("postgresql+psycopg://", "postgresql://", 1))
    try:
        assert store.engine.dialect.driver == "psycopg"
        assert await store.ping() is True
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        await store.close()


def _locked() -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


def test_a_locked_sqlite_transaction_is_retried_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(storage.sql, "_LOCKED_BACKOFF_S", 0.0)
    runner = _Runner(serialize=False, retry_locked=True)
    calls: list[int] = []

    def locked_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _locked()
        return "done"

    def always_locked() -> str:
        calls.append(1)
        raise _locked()

    assert runner.call(locked_twice) == "done"
    calls.clear()
    with pytest.raises(OperationalError, match="database is locked"):
        runner.call(always_locked)
    assert len(calls) == storage.sql._LOCKED_ATTEMPTS


def test_other_operational_errors_are_not_retried() -> None:
    runner = _Runner(serialize=False, retry_locked=True)
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: responses"))

    with pytest.raises(OperationalError, match="no such table"):
        runner.call(broken)
    assert len(calls) == 1
