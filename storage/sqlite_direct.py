"""SQLite's hot path: the statements every request runs, on the raw sqlite3 connection, on the event loop.

Measured on the benchmark machine (issue 8): reading one response through SQLAlchemy Core in a worker thread
cost ~495 us, of which ~270 us was the thread hand-off and ~210 us SQLAlchemy's statement building, execution
context and result processing; the same read as a prepared statement on the raw connection costs ~10 us.
So the per-request statements of ``SqliteResponseRepo`` (storage.sql_responses) run here, while everything
else stays on SQLAlchemy.

A unit of work runs inline on the event loop when it can start at once, which on a single server is nearly
always: a read in WAL mode never waits for a writer, and a write only needs this process's write lock (free
unless a worker thread is writing) and SQLite's (free unless another process is writing). The inline
connection has no busy timeout, so it never sleeps on the loop: when either lock is taken, the unit of work
is rolled back and run again in a worker thread, on a pooled connection with the usual busy timeout and
retries, exactly as before. Transactions are short and the loop is never blocked on I/O it cannot finish.

Writes are committed in groups (group commit). A write does not run at once: it joins the writes made during
the next turns of the event loop, and then they run as one transaction; no caller's ``write`` returns before
that COMMIT. If one write fails, the group is rolled back and its writes run one by one, so the failure stays
that write's own. Measured on the benchmark machine (issue 8): of a create's ~105 us of SQLite time, BEGIN
IMMEDIATE and COMMIT were ~75 us (locking the WAL, writing its frames), and concurrent creates now share them.
A group of one runs exactly as a lone write did before.

The group waits ``GATHER_TURNS`` turns, not one: in one turn the loop runs what is ready, then polls the
sockets, and the requests that poll delivered only run (and reach their write) on the turn after. Committing
on the first turn left them for the next group, so under 16 connections groups averaged 6 writes; gathering
over the poll and that turn, 13 (most groups hold a write from every connection). Measured side by side on the
benchmark machine: creates at 16 connections +7% req/s and -8% CPU each; at one connection no change (the
wait is two trips through the ready queue, microseconds when the server is idle).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import anyio.to_thread
import orjson
from sqlalchemy import Engine

T = TypeVar("T")

logger = logging.getLogger(__name__)

# In a worker thread, after the busy timeout: whole-transaction retries on "database is locked" (as the
# SQLAlchemy runner in storage.sql does).
_LOCKED_ATTEMPTS = 5
_LOCKED_BACKOFF_S = 0.05
# How long inline work waits for this process's lock, held by a thread (the journal's batch, a background
# job's update): those transactions take about a millisecond. Sending the work to a thread instead at once
# made a convoy under load: thread writers queue on the lock, so the next inline attempt finds it taken too.
_INLINE_LOCK_WAIT_S = 0.005
# Turns of the event loop a group waits for more writes before it commits (see the module docstring).
GATHER_TURNS = 2

Work = Callable[[sqlite3.Connection], T]
_Outcome = tuple[bool, Any]  # (True, the work's result) or (False, the exception it raised)


def dumps(value: Any) -> str:
    """Compact JSON text for a column: orjson, or json.dumps for what orjson refuses (lone surrogates,
    integers over 64 bits). Either reads back as the same value."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """A JSON column's value (written by ``dumps`` or by SQLAlchemy's ``json.dumps``)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # escaped lone surrogates, integers over 64 bits
        return json.loads(text)


@dataclass
class _Pending(Generic[T]):
    """A write waiting for its group: the work, and the future its caller awaits."""

    work: Work[T]
    future: asyncio.Future[T]


class _Busy(Exception):
    """The unit of work could not start inline without waiting: run it in a thread instead."""


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "database is locked" in message or "database is busy" in message


class SqliteDirect:
    """Runs units of work (functions of a raw ``sqlite3.Connection``) in a transaction, inline when possible.

    ``write_lock`` is the process-wide lock that SQLAlchemy writers of this engine take in their threads
    (``storage.sql_common.queue_sqlite_writers``); ``serial_lock`` guards the single shared connection of an
    in-memory database.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        write_lock: threading.RLock | None,
        serial_lock: threading.Lock | None,
    ) -> None:
        self._engine = engine
        self._write_lock = write_lock
        self._serial_lock = serial_lock
        self._inline: Any = None  # the pooled connection held for inline work (SQLAlchemy's fairy)
        self._inline_driver: sqlite3.Connection | None = None  # its sqlite3 connection
        self._group: list[_Pending[Any]] | None = None  # writes waiting for the next turn of the loop
        self._group_loop: asyncio.AbstractEventLoop | None = None
        self.groups_committed = 0  # groups of more than one write, and the writes in them (for tests)
        self.grouped_writes = 0

    async def read(self, work: Work[T], *, one_statement: bool = False) -> T:
        """``work`` in a read transaction (one snapshot for all its statements). ``one_statement``: the work
        runs a single SELECT, which is its own snapshot, so inline it skips BEGIN and COMMIT (~2 us)."""
        if one_statement and self._serial_lock is None:
            try:
                return work(self._connection())
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
        return await self._read(work)

    async def write(self, work: Work[T]) -> T:
        """``work`` in a write transaction, committed before this returns (rolled back if it raises).

        The transaction may hold other writes of the same turn of the event loop (see the module docstring).
        A write once asked for is made even if its caller is cancelled meanwhile, as when it ran inline at
        once: a cancelled stream's last save (it is stored ``cancelled``) must not be lost.
        """
        loop = asyncio.get_running_loop()
        pending: _Pending[T] = _Pending(work, loop.create_future())
        if self._group is None or self._group_loop is not loop:  # (a closed loop's group never ran)
            self._group, self._group_loop = [], loop
            loop.call_soon(self._commit_group_after, GATHER_TURNS - 1)
        self._group.append(pending)
        # Not shielded: the group commits the work whether or not its caller is still waiting (a cancelled
        # caller only cancels the future, which ``_settle`` then skips); a shield cost a second future per write.
        return await pending.future

    def _commit_group_after(self, turns: int) -> None:
        if turns > 0:
            asyncio.get_running_loop().call_soon(self._commit_group_after, turns - 1)
        else:
            self._commit_group()

    def _commit_group(self) -> None:
        group, self._group, self._group_loop = self._group or [], None, None
        if not group:
            return
        try:
            outcomes = self._group_inline(group)
        except Exception as exc:  # BEGIN or COMMIT failed (say, a full disk): nothing was written
            outcomes = [(False, exc)] * len(group)
        _settle(group, outcomes)
        if len(outcomes) < len(group):  # the lock was taken: the rest waits for it in a thread
            asyncio.get_running_loop().create_task(self._group_in_thread(group[len(outcomes) :]))

    def _group_inline(self, group: list[_Pending[Any]]) -> list[_Outcome]:
        lock: threading.Lock | threading.RLock | None = self._serial_lock or self._write_lock
        if lock is not None and not lock.acquire(timeout=_INLINE_LOCK_WAIT_S):
            return []
        try:
            return self._group_transaction(self._connection(), [pending.work for pending in group])
        finally:
            if lock is not None:
                lock.release()

    async def _group_in_thread(self, group: list[_Pending[Any]]) -> None:
        works = [pending.work for pending in group]
        try:
            # Not abandoned on cancel: a transaction in flight finishes (commit or rollback) first.
            outcomes = await anyio.to_thread.run_sync(lambda: self._group_pooled(works))
        except asyncio.CancelledError:
            for pending in group:
                pending.future.cancel()
            raise
        except Exception as exc:
            outcomes = [(False, exc)] * len(group)
        _settle(group, outcomes)

    def _group_pooled(self, works: list[Work[Any]]) -> list[_Outcome]:
        """In a worker thread: the writes, waiting for the locks (busy timeout, whole-transaction retries)."""
        outcomes: list[_Outcome] = []
        for attempt in range(1, _LOCKED_ATTEMPTS + 1):
            if self._serial_lock is not None:
                with self._serial_lock:
                    outcomes += self._group_transaction(self._connection(), works[len(outcomes) :])
            else:
                # The lock before the connection: writers queued on the lock must not hold the pool's connections.
                with self._write_lock if self._write_lock is not None else contextlib.nullcontext():
                    fairy = self._engine.raw_connection()
                    try:
                        outcomes += self._group_transaction(_driver(fairy), works[len(outcomes) :])
                    finally:
                        fairy.close()
            if len(outcomes) == len(works):
                return outcomes
            logger.warning("sqlite database locked, retrying transaction", extra={"attempt": attempt})
            time.sleep(_LOCKED_BACKOFF_S * 2 ** (attempt - 1))
        locked = sqlite3.OperationalError("database is locked")
        return outcomes + [(False, locked)] * (len(works) - len(outcomes))

    def _group_transaction(self, conn: sqlite3.Connection, works: list[Work[Any]]) -> list[_Outcome]:
        """The outcomes of ``works``, in order: all in one transaction, or (when one of them fails) each in its
        own, so that a failure stays its write's own. Shorter than ``works`` when SQLite's lock was taken:
        those outcomes are committed, the rest never ran.

        No savepoints: SQLite keeps a copy of each page a savepoint touches, which cost more than the
        commits a group saves.
        """
        if len(works) > 1:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    return []
                raise
            try:
                results = [work(conn) for work in works]
            except Exception as exc:
                _rollback(conn)
                if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
                    return []
            else:
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
                self.groups_committed += 1
                self.grouped_writes += len(works)
                return [(True, result) for result in results]
        outcomes: list[_Outcome] = []
        for work in works:
            try:
                outcomes.append((True, self._transaction(conn, work, write=True)))
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    return outcomes
                outcomes.append((False, exc))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    async def _read(self, work: Work[T]) -> T:
        try:
            return self._read_inline(work)
        except _Busy:
            # Not abandoned on cancel: a transaction in flight finishes before we return.
            result: T = await anyio.to_thread.run_sync(lambda: self._read_pooled(work))
            return result

    def close(self) -> None:
        """Give the inline connection back to the pool (before the engine is disposed of)."""
        if self._inline is not None:
            inline, self._inline, self._inline_driver = self._inline, None, None
            if self._serial_lock is None:
                _driver(inline).execute("PRAGMA busy_timeout=5000")
            inline.close()

    # -- inline ----------------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._inline_driver is None:
            fairy = self._engine.raw_connection()
            driver = _driver(fairy)
            if self._serial_lock is None:
                # Never sleep on the event loop: a lock held by another process sends the work to a thread.
                driver.execute("PRAGMA busy_timeout=0")
            self._inline, self._inline_driver = fairy, driver
        return self._inline_driver

    def _read_inline(self, work: Work[T]) -> T:
        # Reads take no lock of this process (WAL readers never wait for the writer), except in memory.
        if self._serial_lock is not None and not self._serial_lock.acquire(timeout=_INLINE_LOCK_WAIT_S):
            raise _Busy
        try:
            return self._transaction(self._connection(), work, write=False)
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):  # the thread runs the whole unit again
                raise _Busy from None
            raise
        finally:
            if self._serial_lock is not None:
                self._serial_lock.release()

    # -- in a worker thread ----------------------------------------------------------------------------

    def _read_pooled(self, work: Work[T]) -> T:
        if self._serial_lock is not None:  # in memory: the one connection, once the lock is free
            with self._serial_lock:
                return self._transaction(self._connection(), work, write=False)
        for attempt in range(1, _LOCKED_ATTEMPTS + 1):
            fairy = self._engine.raw_connection()
            try:
                return self._transaction(_driver(fairy), work, write=False)
            except sqlite3.OperationalError as exc:
                if attempt == _LOCKED_ATTEMPTS or not _is_busy(exc):
                    raise
            finally:
                fairy.close()
            logger.warning("sqlite database locked, retrying transaction", extra={"attempt": attempt})
            time.sleep(_LOCKED_BACKOFF_S * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _transaction(conn: sqlite3.Connection, work: Work[T], *, write: bool) -> T:
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        return result


def _driver(fairy: Any) -> sqlite3.Connection:
    connection: sqlite3.Connection = fairy.driver_connection
    return connection


def _settle(group: list[_Pending[Any]], outcomes: list[_Outcome]) -> None:
    """Hand each caller its outcome (its caller may have been cancelled meanwhile)."""
    for pending, (ok, value) in zip(group, outcomes, strict=False):
        if pending.future.done():
            continue
        if ok:
            pending.future.set_result(value)
        else:
            pending.future.set_exception(value)


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite may have rolled back already (e.g. on SQLITE_FULL); a second ROLLBACK would mask the real error.
    if conn.in_transaction:
        conn.execute("ROLLBACK")
