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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Connection, Engine, create_engine, delete, event, select, text
from sqlalchemy.engine import URL, Row, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from storage.base import ItemPage, JSONObject, Order, ResponseRecord
from storage.sql_background import SqlBackground
from storage.sql_common import SQLITE_BEGIN as _SQLITE_BEGIN
from storage.sql_common import cursor_page_query, page_of, queue_sqlite_writers, transaction
from storage.sql_conversations import SqlConversationRepo
from storage.sql_journal import SqlJournal
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


class SqlResponseRepo:
    """``ResponseRepo`` over SQLAlchemy Core: one transaction per call, every statement filtered by tenant."""

    def __init__(self, engine: Engine, runner: _Runner) -> None:
        self._engine = engine
        self._runner = runner

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Connection]:
        with transaction(self._engine, write=write) as conn:
            yield conn

    # -- writes ---------------------------------------------------------------------------------------

    async def insert(
        self,
        record: ResponseRecord,
        *,
        input_items: Sequence[JSONObject],
        output_items: Sequence[JSONObject] = (),
    ) -> None:
        """Store a new response with its items in one transaction; ``KeyError`` if the id exists."""
        rows = _item_rows(record.tenant, record.id, "input", input_items)
        rows += _item_rows(record.tenant, record.id, "output", output_items)
        values = {
            "id": record.id,
            "tenant": record.tenant,
            "created_at": record.created_at,
            "status": record.status,
            "previous_response_id": record.previous_response_id,
            "ancestors": list(record.ancestors),
            "background": record.background,
            "conversation_id": record.conversation_id,
            "deleted": False,
            "body": record.body,
        }

        def work() -> None:
            with self._transaction(write=True) as conn:
                try:
                    conn.execute(responses.insert(), values)
                except IntegrityError:
                    # The only constraint this row can break is its primary key.
                    raise KeyError(record.id) from None
                if rows:
                    conn.execute(response_items.insert(), rows)

        await self._runner.run(work)

    async def update(
        self,
        tenant: str,
        response_id: str,
        *,
        status: str,
        body: JSONObject,
        output_items: Sequence[JSONObject],
    ) -> bool:
        """Replace status, body and output items in one transaction; False if not visible to ``tenant``."""
        rows = _item_rows(tenant, response_id, "output", output_items)

        def work() -> bool:
            with self._transaction(write=True) as conn:
                # A deleted response counts as gone: a late writer (e.g. a background run finishing after
                # the user deleted it) must not bring it back.
                changed = conn.execute(
                    responses.update()
                    .where(
                        responses.c.tenant == tenant,
                        responses.c.id == response_id,
                        responses.c.deleted.is_(False),
                    )
                    .values(status=status, body=body)
                ).rowcount
                if changed != 1:
                    return False
                conn.execute(
                    response_items.delete().where(
                        response_items.c.tenant == tenant,
                        response_items.c.response_id == response_id,
                        response_items.c.role == "output",
                    )
                )
                if rows:
                    conn.execute(response_items.insert(), rows)
                return True

        return await self._runner.run(work)

    async def delete(self, tenant: str, response_id: str) -> bool:
        """Soft delete (the items stay for chained responses' context); False if nothing was visible."""

        def work() -> bool:
            with self._transaction(write=True) as conn:
                changed = conn.execute(
                    responses.update()
                    .where(
                        responses.c.tenant == tenant,
                        responses.c.id == response_id,
                        responses.c.deleted.is_(False),
                    )
                    .values(deleted=True)
                ).rowcount
                return changed == 1

        return await self._runner.run(work)

    # -- reads ----------------------------------------------------------------------------------------

    async def get(self, tenant: str, response_id: str) -> ResponseRecord | None:
        """The visible response of ``tenant`` with this id, or None."""

        def work() -> ResponseRecord | None:
            with self._transaction() as conn:
                row = conn.execute(
                    select(responses).where(
                        responses.c.tenant == tenant,
                        responses.c.id == response_id,
                        responses.c.deleted.is_(False),
                    )
                ).one_or_none()
            return None if row is None else _record(row)

        return await self._runner.run(work)

    async def list_input_items(
        self,
        tenant: str,
        response_id: str,
        *,
        after: str | None = None,
        limit: int = 20,
        order: Order = "desc",
    ) -> ItemPage | None:
        """A page of input items, at most ``limit + 1`` rows read; None if the response is not visible."""
        items = response_items.c
        own_inputs = (items.tenant == tenant, items.response_id == response_id, items.role == "input")
        query = cursor_page_query(response_items, own_inputs, after=after, limit=limit, order=order)

        def work() -> ItemPage | None:
            with self._transaction() as conn:
                if not _visible(conn, tenant, response_id):
                    return None
                bodies = list(conn.execute(query).scalars())
            return page_of(bodies, limit)

        return await self._runner.run(work)

    async def context_items(self, tenant: str, response_ids: Sequence[str]) -> list[JSONObject]:
        """Input then output items of each response, in the order of ``response_ids``; one query."""
        ids = list(response_ids)
        if not ids:
            return []
        items = response_items.c
        # 'input' sorts before 'output', so SQL gives each response's items in context order; Python only
        # arranges the responses. Deleted responses are not filtered out: chains still need their items.
        query = (
            select(items.response_id, items.body)
            .where(items.tenant == tenant, items.response_id.in_(list(dict.fromkeys(ids))))
            .order_by(items.response_id, items.role, items.position)
        )

        def work() -> list[JSONObject]:
            with self._transaction() as conn:
                rows = conn.execute(query).all()
            grouped: dict[str, list[JSONObject]] = {}
            for rid, body in rows:
                grouped.setdefault(rid, []).append(body)
            return [body for rid in ids for body in grouped.get(rid, ())]

        return await self._runner.run(work)

    async def get_item(self, tenant: str, item_id: str) -> JSONObject | None:
        """The item with this id from a visible response of ``tenant`` (the earliest such), or None.

        Items only held by deleted responses are not returned: deleting a response removes it from every
        lookup but ``context_items``.
        """
        items = response_items.c
        query = (
            select(items.body)
            .join(responses, responses.c.id == items.response_id)
            .where(
                items.tenant == tenant,
                items.id == item_id,
                responses.c.tenant == tenant,
                responses.c.deleted.is_(False),
            )
            # The same id can be sent again as input of later responses; the first stored is the original.
            .order_by(responses.c.created_at, items.response_id, items.role, items.position)
            .limit(1)
        )

        def work() -> JSONObject | None:
            with self._transaction() as conn:
                body: JSONObject | None = conn.execute(query).scalar_one_or_none()
            return body

        return await self._runner.run(work)

    async def family_exists(self, tenant: str, stem: str) -> bool:
        if not stem.isalnum():  # ids are letters and hex digits; anything else cannot match (and no LIKE escapes)
            return False
        query = (
            select(responses.c.id)
            .where(responses.c.tenant == tenant, responses.c.id.like(f"resp\\_{stem}%", escape="\\"))
            .limit(1)
        )

        def work() -> bool:
            with self._transaction() as conn:
                return conn.execute(query).first() is not None

        return await self._runner.run(work)


def _visible(conn: Connection, tenant: str, response_id: str) -> bool:
    found = conn.execute(
        select(responses.c.id).where(
            responses.c.tenant == tenant,
            responses.c.id == response_id,
            responses.c.deleted.is_(False),
        )
    ).first()
    return found is not None


def _item_rows(tenant: str, response_id: str, role: str, items: Sequence[JSONObject]) -> list[dict[str, Any]]:
    # Validated before any statement runs, so a bad item never opens a transaction.
    rows: list[dict[str, Any]] = []
    for position, item in enumerate(items):
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id:
            raise ValueError(f"{role} item {position} of {response_id} has no string 'id'")
        rows.append(
            {
                "tenant": tenant,
                "response_id": response_id,
                "role": role,
                "position": position,
                "id": item_id,
                "body": item,
            }
        )
    return rows


def _record(row: Row[Any]) -> ResponseRecord:
    return ResponseRecord(
        id=row.id,
        tenant=row.tenant,
        created_at=row.created_at,
        status=row.status,
        body=row.body,
        previous_response_id=row.previous_response_id,
        ancestors=tuple(row.ancestors or ()),
        background=bool(row.background),
        conversation_id=row.conversation_id,
    )


class SqlStore:
    """``Store`` over one SQLAlchemy engine; build it with ``open_store(url)``."""

    def __init__(self, engine: Engine, runner: _Runner) -> None:
        self._engine = engine
        self._runner = runner
        self._responses = SqlResponseRepo(engine, runner)
        self._conversations = SqlConversationRepo(engine, runner)
        self._journal = SqlJournal(engine, runner)
        self._background = SqlBackground(engine, runner)

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
        await self._runner.run(self._engine.dispose)


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
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    def on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get(_SQLITE_BEGIN, "BEGIN"))

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    if not in_memory:
        queue_sqlite_writers(engine)  # in memory, the runner already serializes every unit of work
    return SqlStore(engine, _Runner(serialize=in_memory, retry_locked=not in_memory))


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
