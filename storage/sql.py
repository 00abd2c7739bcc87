"""The SQL implementation of the storage Protocols, over SQLite or PostgreSQL.

Synchronous SQLAlchemy Core (not the ORM: this is on the hot path), each call run in a worker thread so the
async methods never block the event loop. Dialect differences live only in this module:

- SQLite file: WAL, busy timeout, ``BEGIN IMMEDIATE`` for writes, and a bounded retry on "database is
  locked" for whatever still slips past the busy timeout.
- SQLite in memory: one shared connection, one thread at a time (a lock), or transactions would interleave.
- PostgreSQL: psycopg 3, pre-ping, and an advisory lock so replicas starting together create tables once.

Conversations have their repository in ``storage.sql_conversations``; both share ``storage.sql_common``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Connection, Engine, create_engine, delete, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from storage.sql_background import SqlBackground
from storage.sql_common import SQLITE_BEGIN as _SQLITE_BEGIN
from storage.sql_common import queue_sqlite_writers, transaction
from storage.sql_conversations import SqlConversationRepo
from storage.sql_journal import SqlJournal
from storage.sql_responses import SqlResponseRepo
from storage.sqlite_background import SqliteBackground
from storage.sqlite_checkpoint import WalCheckpointer
from storage.sqlite_direct import SqliteDirect
from storage.sqlite_journal import SqliteJournal
from storage.sqlite_responses import SqliteResponseRepo
from storage.tables import (
    background_jobs,
    conversation_items,
    conversations,
    journal,
    metadata,
    response_events,
    response_items,
    responses,
)

__all__ = ["SqlConversationRepo", "SqlResponseRepo", "SqlStore", "open_store"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Retries of a whole transaction on "database is locked", after the 5 s busy timeout already waited.
_LOCKED_ATTEMPTS = 5
_LOCKED_BACKOFF_S = 0.05
# Arbitrary constant naming the PostgreSQL advisory lock held while creating tables.
_SCHEMA_LOCK_KEY = 0x6F61_6965_6D75


def _dumps(value: Any) -> str:
    # Compact separators: bodies are stored many times over (snapshots, items), spaces add up.
    return json.dumps(value, separators=(",", ":"))


class _Runner:
    """Runs one synchronous unit of work in a worker thread, with the dialect's concurrency rules."""

    def __init__(self, *, serialize: bool, retry_locked: bool) -> None:
        # One shared in-memory SQLite connection: a second thread must not start a transaction on it.
        self._lock = threading.Lock() if serialize else None
        self._retry_locked = retry_locked

    @property
    def lock(self) -> threading.Lock | None:
        """The lock serializing every unit of work, when there is one (in-memory SQLite)."""
        return self._lock

    async def run(self, fn: Callable[[], T]) -> T:
        # Not abandoned on cancel: a transaction in flight finishes (commit or rollback) before we return.
        return await anyio.to_thread.run_sync(self.call, fn)

    def call(self, fn: Callable[[], T]) -> T:
        if self._lock is not None:
            with self._lock:
                return fn()
        if not self._retry_locked:
            return fn()
        for attempt in range(1, _LOCKED_ATTEMPTS + 1):
            try:
                return fn()
            except OperationalError as exc:
                # Each fn is a whole transaction, rolled back on error, so running it again is safe.
                if attempt == _LOCKED_ATTEMPTS or not _is_locked(exc):
                    raise
                logger.warning("sqlite database locked, retrying transaction", extra={"attempt": attempt})
                time.sleep(_LOCKED_BACKOFF_S * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover


def _is_locked(exc: OperationalError) -> bool:
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


class SqlStore:
    """``Store`` over one SQLAlchemy engine; build it with ``open_store(url)``."""

    def __init__(
        self,
        engine: Engine,
        runner: _Runner,
        *,
        direct: SqliteDirect | None = None,
        checkpointer: WalCheckpointer | None = None,
    ) -> None:
        self._engine = engine
        self._runner = runner
        self._direct = direct
        self._checkpointer = checkpointer
        self._responses = (
            SqlResponseRepo(engine, runner) if direct is None else SqliteResponseRepo(engine, runner, direct)
        )
        self._conversations = SqlConversationRepo(engine, runner)
        self._journal = SqlJournal(engine, runner) if direct is None else SqliteJournal(engine, runner, direct)
        self._background = SqlBackground(engine, runner) if direct is None else SqliteBackground(engine, runner, direct)

    @property
    def engine(self) -> Engine:
        """The underlying engine (for storage code and tests; the server never needs it)."""
        return self._engine

    @property
    def responses(self) -> SqlResponseRepo:
        return self._responses

    @property
    def conversations(self) -> SqlConversationRepo:
        return self._conversations

    @property
    def journal(self) -> SqlJournal:
        return self._journal

    @property
    def background(self) -> SqlBackground:
        return self._background

    async def purge_tenant(self, tenant: str) -> None:
        """Delete all of one tenant's rows, in one transaction (the control plane's reset)."""

        def work() -> None:
            with transaction(self._engine, write=True) as conn:
                for table in (
                    conversation_items,
                    conversations,
                    response_items,
                    responses,
                    journal,
                    background_jobs,
                    response_events,
                ):
                    conn.execute(delete(table).where(table.c.tenant == tenant))

        await self._runner.run(work)

    async def ping(self) -> bool:
        """True when ``SELECT 1`` answers; False (logged) on any database error."""

        def work() -> bool:
            with self._engine.connect() as conn:
                answer: object = conn.execute(text("SELECT 1")).scalar_one()
            return answer == 1

        try:
            return await self._runner.run(work)
        except SQLAlchemyError:
            logger.warning("database ping failed", exc_info=True)
            return False

    async def close(self) -> None:
        """Dispose of the engine's connections (for in-memory SQLite, the database with them)."""
        self.close_connections()
        await self._runner.run(self._engine.dispose)

    def close_connections(self) -> None:
        """Stop the checkpoint thread and give back the held connection (what ``close`` does first); for
        synchronous callers, which then dispose of the engine themselves."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
        if self._direct is not None:
            self._direct.close()


def open_store(url: str) -> SqlStore:
    """Open (creating tables if missing) the store at ``url``.

    ``sqlite:///path/to.db`` (the parent directory is created), ``sqlite://`` (in memory, gone on close),
    or ``postgresql://user@host/db`` (driven by psycopg 3).
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        store = _open_sqlite(parsed)
    elif backend in ("postgresql", "postgres"):
        store = _open_postgresql(parsed)
    else:
        raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}")
    _create_tables(store.engine)
    return store


def _open_sqlite(url: URL) -> SqlStore:
    in_memory = url.database in (None, "", ":memory:")
    if in_memory:
        engine = create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            json_serializer=_dumps,
        )
    else:
        assert url.database is not None
        if url.query.get("uri") not in ("true", "1"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, json_serializer=_dumps)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN (see on_begin) instead of sqlite3's legacy implicit transactions,
        # which skip SELECTs and DDL and so break isolation.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first: switching to WAL itself may have to wait for another connection.
            cursor.execute("PRAGMA busy_timeout=5000")
            if not in_memory:
                # WAL: readers never block the writer nor it them; NORMAL sync is durable enough in WAL.
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                # Checkpoints run in their own thread (storage.sqlite_checkpoint), never inside a commit.
                cursor.execute("PRAGMA wal_autocheckpoint=0")
                # When the log starts over, a file grown past this is cut back to it.
                cursor.execute("PRAGMA journal_size_limit=16777216")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(_SQLITE_BEGIN, "BEGIN"))

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    # In memory, the runner's lock serializes every unit of work; on a file, writers of this process queue.
    runner = _Runner(serialize=in_memory, retry_locked=not in_memory)
    write_lock = None if in_memory else queue_sqlite_writers(engine)
    direct = SqliteDirect(engine, write_lock=write_lock, serial_lock=runner.lock)
    checkpointer = None if in_memory else WalCheckpointer(engine)
    return SqlStore(engine, runner, direct=direct, checkpointer=checkpointer)


def _open_postgresql(url: URL) -> SqlStore:
    # Plain postgresql:// would pick psycopg2; psycopg 3 is the one driver this project ships.
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        # Without it an unreachable server hangs start-up instead of failing it.
        connect_args["connect_timeout"] = 10
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, json_serializer=_dumps)
    return SqlStore(engine, _Runner(serialize=False, retry_locked=False))


def _create_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # Serialize against other processes opening the same file at the same time.
            conn = conn.execution_options(**{_SQLITE_BEGIN: "BEGIN IMMEDIATE"})
        with conn.begin():
            if engine.dialect.name == "postgresql":
                # Replicas starting together would otherwise race on CREATE TABLE; the lock is released
                # at commit, after which the others find the tables and create nothing.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
            metadata.create_all(conn)
