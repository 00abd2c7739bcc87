"""The request journal in SQL: what each tenant's clients sent and got, for tests to assert on.

Entries are written in batches (see ``server.api.journal``) and read newest last. Every query filters on the
tenant, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, delete, func, insert, select

from storage.base import JournalEntry
from storage.sql_common import Runner, transaction
from storage.tables import journal


class SqlJournal:
    """``Journal`` over one engine."""

    def __init__(self, engine: Engine, runner: Runner) -> None:
        self._engine = engine
        self._runner = runner

    async def record(self, entries: Sequence[JournalEntry]) -> None:
        if not entries:
            return
        rows = [{"tenant": e.tenant, "at": e.at, "method": e.method, "path": e.path, "entry": e.data} for e in entries]

        def work() -> None:
            with transaction(self._engine, write=True) as conn:
                conn.execute(insert(journal), rows)

        await self._runner.run(work)

    async def list(
        self,
        tenant: str,
        *,
        path_prefix: str | None = None,
        method: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
    ) -> list[JournalEntry]:
        query = select(
            journal.c.seq, journal.c.tenant, journal.c.at, journal.c.method, journal.c.path, journal.c.entry
        ).where(journal.c.tenant == tenant)
        if path_prefix:
            query = query.where(journal.c.path.startswith(path_prefix, autoescape=True))
        if method:
            query = query.where(journal.c.method == method.upper())
        if since is not None:
            query = query.where(journal.c.at >= since)
        if until is not None:
            query = query.where(journal.c.at <= until)
        # The newest `limit` entries, returned oldest first.
        newest = query.order_by(journal.c.seq.desc()).limit(limit).subquery()
        ordered = select(newest).order_by(newest.c.seq)

        def work() -> list[JournalEntry]:
            with transaction(self._engine) as conn:
                rows = conn.execute(ordered).all()
            return [JournalEntry(tenant=r.tenant, at=r.at, method=r.method, path=r.path, data=r.entry) for r in rows]

        return await self._runner.run(work)

    async def clear(self, tenant: str) -> int:
        def work() -> int:
            with transaction(self._engine, write=True) as conn:
                return conn.execute(delete(journal).where(journal.c.tenant == tenant)).rowcount or 0

        return await self._runner.run(work)

    async def trim(self, keep: int) -> None:
        """Keep only the newest ``keep`` entries in all (bounds the table on long-running servers)."""

        def work() -> None:
            with transaction(self._engine, write=True) as conn:
                newest = conn.execute(select(func.max(journal.c.seq))).scalar_one_or_none()
                if newest is not None and newest > keep:
                    conn.execute(delete(journal).where(journal.c.seq <= newest - keep))

        await self._runner.run(work)
