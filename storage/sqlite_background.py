"""Background jobs on SQLite: a claim looks before it takes the write lock.

The worker's claim loop asks for jobs every poll interval (20 ms by default), for the jobs other processes
sharing the file may have queued; this process's own submissions wake it at once. Through ``SqlBackground``
each poll was a write transaction in a worker thread, 50 a second, found empty nearly always: SQLAlchemy's
statement work holding the GIL, and the process's write lock held meanwhile, which the event loop's own commits
then wait for (``storage.sqlite_direct``). Here a poll first runs one prepared SELECT on the loop (a few
microseconds; a read never waits for a writer in WAL mode), and claims only when a job is there to claim.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine

from storage.base import JobRecord
from storage.sql_background import SqlBackground
from storage.sql_common import Runner
from storage.sqlite_direct import SqliteDirect

# The claim's own conditions (``SqlBackground.claim``), served by the (state, created_at) index.
_CLAIMABLE = (
    "SELECT 1 FROM background_jobs WHERE state = 'queued' AND queued_until <= ? AND polls >= queued_polls LIMIT 1"
)


class SqliteBackground(SqlBackground):
    """``SqlBackground`` whose claims skip the write transaction when no job is claimable."""

    def __init__(self, engine: Engine, runner: Runner, direct: SqliteDirect) -> None:
        super().__init__(engine, runner)
        self._direct = direct

    async def claim(self, owner: str, now: float, lease_seconds: float, *, limit: int = 1) -> list[JobRecord]:
        if limit <= 0:
            return []

        def claimable(conn: sqlite3.Connection) -> bool:
            return conn.execute(_CLAIMABLE, (now,)).fetchone() is not None

        # A job queued after this look waits for the next poll, as one queued just after a claim always did.
        if not await self._direct.read(claimable, one_statement=True):
            return []
        return await super().claim(owner, now, lease_seconds, limit=limit)
