"""The request journal on SQLite: its batches written as one prepared statement (``storage.sqlite_direct``).

Every request adds an entry, written in batches off the request path; through SQLAlchemy in a worker thread
the batches cost about a tenth of a create's throughput at 16 connections (benchmark, issue 8), mostly
statement processing holding the GIL. Trimming goes the same way; reads stay on ``SqlJournal``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from sqlalchemy import Engine

from storage.base import JournalEntry
from storage.sql_common import Runner
from storage.sql_journal import SqlJournal
from storage.sqlite_direct import SqliteDirect, dumps

_INSERT = "INSERT INTO journal (tenant, at, method, path, entry) VALUES (?, ?, ?, ?, ?)"
_NEWEST = "SELECT max(seq) FROM journal"
_TRIM = "DELETE FROM journal WHERE seq <= ?"


class SqliteJournal(SqlJournal):
    """``SqlJournal`` whose batches are written on the raw sqlite3 connection."""

    def __init__(self, engine: Engine, runner: Runner, direct: SqliteDirect) -> None:
        super().__init__(engine, runner)
        self._direct = direct

    async def record(self, entries: Sequence[JournalEntry]) -> None:
        if not entries:
            return
        rows = [(e.tenant, e.at, e.method, e.path, dumps(e.data)) for e in entries]

        def work(conn: sqlite3.Connection) -> None:
            conn.executemany(_INSERT, rows)

        await self._direct.write(work)

    async def trim(self, keep: int) -> None:
        # On the connection the batches are written on, in small steps (``JournalWriter`` trims after every
        # flush). Trimming tens of thousands of rows at once through a pooled connection in a worker thread
        # grew the server's memory by ~5 MiB over 12 rounds of creates (its page cache and thread arena) and
        # held the write lock the requests' commits wait for.
        def work(conn: sqlite3.Connection) -> None:
            (newest,) = conn.execute(_NEWEST).fetchone()
            if newest is not None and newest > keep:
                conn.execute(_TRIM, (newest - keep,))

        await self._direct.write(work)
