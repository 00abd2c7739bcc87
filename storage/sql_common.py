"""What every SQL repository shares: the unit-of-work runner contract and the transaction that suits the dialect.

Kept apart from ``storage.sql`` (which builds engines and runners and assembles the ``SqlStore``) so that the
repositories of each aggregate can live in their own modules without importing ``storage.sql`` back.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine

T = TypeVar("T")

# Execution option read by the SQLite "begin" hook (see ``storage.sql``): which BEGIN to emit for this
# transaction. Other dialects ignore it.
SQLITE_BEGIN = "openai_emulator_sqlite_begin"

# SQLite file engines: one lock per engine that queues this process's writers in threads. Without it every
# writer thread spins in SQLite's busy handler, which sleeps in steps of up to 100 ms: under load the writers
# convoy (a profile showed most time in BEGIN IMMEDIATE) and the tail latency reaches seconds. Other
# processes on the same file still meet the busy timeout and the retries, as before.
_SQLITE_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def queue_sqlite_writers(engine: Engine) -> None:
    """Make this process's write transactions on ``engine`` take turns (see ``_SQLITE_WRITE_LOCKS``)."""
    _SQLITE_WRITE_LOCKS[engine] = threading.RLock()


class Runner(Protocol):
    """Runs one synchronous unit of work (a whole transaction) off the event loop, with the dialect's rules."""

    async def run(self, fn: Callable[[], T]) -> T: ...


@contextmanager
def transaction(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    """One transaction on a fresh connection: committed on success, rolled back on any exception."""
    lock = _SQLITE_WRITE_LOCKS.get(engine) if write else None
    with lock if lock is not None else nullcontext(), engine.connect() as conn:
        if write:
            # SQLite: take the write lock up front, where the busy timeout applies, rather than on the first
            # write, where a reader upgrading its lock fails at once.
            conn = conn.execution_options(**{SQLITE_BEGIN: "BEGIN IMMEDIATE"})
        with conn.begin():
            yield conn
