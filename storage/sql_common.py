"""What every SQL repository shares: the unit-of-work runner contract and the transaction that suits the dialect.

Kept apart from ``storage.sql`` (which builds engines and runners and assembles the ``SqlStore``) so that the
repositories of each aggregate can live in their own modules without importing ``storage.sql`` back.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, Select, Table, select

from storage.base import ItemPage, JSONObject

T = TypeVar("T")

# Execution option read by the SQLite "begin" hook (see ``storage.sql``): which BEGIN to emit for this
# transaction. Other dialects ignore it.
SQLITE_BEGIN = "openai_emulator_sqlite_begin"

# SQLite file engines: one lock per engine that queues this process's writers in threads. Without it every
# writer thread spins in SQLite's busy handler, which sleeps in steps of up to 100 ms: under load the writers
# convoy (a profile showed most time in BEGIN IMMEDIATE) and the tail latency reaches seconds. Other
# processes on the same file still meet the busy timeout and the retries, as before.
_SQLITE_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def queue_sqlite_writers(engine: Engine) -> threading.RLock:
    """Make this process's write transactions on ``engine`` take turns (see ``_SQLITE_WRITE_LOCKS``); the lock."""
    lock = _SQLITE_WRITE_LOCKS[engine] = threading.RLock()
    return lock


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


def cursor_page_query(
    table: Table, own: Sequence[ColumnElement[bool]], *, after: str | None, limit: int, order: Literal["asc", "desc"]
) -> Select[Any]:
    """The bodies of one page of an item list (``id``, ``position`` and ``body`` columns), cursor-paginated.

    ``after`` is an item id: the page starts just past its position (the first, should the id occur twice)
    in the chosen order. An unknown id gives NULL, and comparing with NULL matches nothing: the empty page
    the contract asks for. One row more than the page is read: its presence is ``has_more``, without
    counting the rest.
    """
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    items = table.c
    query = select(items.body).where(*own)
    if after is not None:
        anchor = select(items.position).where(*own, items.id == after).order_by(items.position).limit(1)
        position = anchor.scalar_subquery()
        query = query.where(items.position > position if order == "asc" else items.position < position)
    by_position = items.position.asc() if order == "asc" else items.position.desc()
    return query.order_by(by_position).limit(limit + 1)


def page_of(bodies: list[JSONObject], limit: int) -> ItemPage:
    """The page from the ``limit + 1`` rows ``cursor_page_query`` read."""
    return ItemPage(data=bodies[:limit], has_more=len(bodies) > limit)
