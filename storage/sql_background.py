"""Background jobs and the response event log in SQL.

A claim takes up to a batch of jobs in one transaction (one thread hand-off and one commit for all, which is
what lets a loaded server's worker keep up): on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` lets several
servers claim from one queue without waiting on each other or taking a job twice; on SQLite the write
transaction (``BEGIN IMMEDIATE``) already serialises claimers. Response leases and orphans (responses a dead
server left in flight outside any job) live here too, beside the job leases they complement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Insert,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from storage.base import JobRecord, JSONObject, OrphanRecord
from storage.sql_common import Runner, transaction
from storage.tables import (
    IN_FLIGHT,
    background_jobs,
    response_events,
    response_items,
    response_leases,
    responses,
)

_COLUMNS = [c.name for c in background_jobs.columns]


def _job(row: Any) -> JobRecord:
    return JobRecord(**{name: getattr(row, name) for name in _COLUMNS})


def _locked(conn: Connection, query: Select[Any]) -> Select[Any]:
    if conn.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def _insert_new_job(conn: Connection) -> Insert:
    """An INSERT of a job row that does nothing when the response has one already (no error, no abort)."""
    key = [background_jobs.c.response_id]
    if conn.dialect.name == "postgresql":
        return postgresql.insert(background_jobs).on_conflict_do_nothing(index_elements=key)
    return sqlite.insert(background_jobs).on_conflict_do_nothing(index_elements=key)


def _upsert_leases(conn: Connection) -> Insert:
    """An INSERT of response leases that takes over a row of the same response instead of failing (which
    would abort the heartbeat's transaction, and every later one)."""
    key = [response_leases.c.response_id]
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(response_leases)
        return pg.on_conflict_do_update(index_elements=key, set_=_taken_over(pg.excluded))
    lite = sqlite.insert(response_leases)
    return lite.on_conflict_do_update(index_elements=key, set_=_taken_over(lite.excluded))


def _taken_over(excluded: Any) -> dict[str, Any]:
    return {"owner": excluded.owner, "lease_expires_at": excluded.lease_expires_at}


class SqlBackground:
    """``BackgroundRepo`` over one engine."""

    def __init__(self, engine: Engine, runner: Runner) -> None:
        self._engine = engine
        self._runner = runner

    async def enqueue(self, job: JobRecord) -> None:
        row = {name: getattr(job, name) for name in _COLUMNS}

        def work() -> None:
            with transaction(self._engine, write=True) as conn:
                conn.execute(insert(background_jobs), row)

        await self._runner.run(work)

    async def get(self, tenant: str, response_id: str) -> JobRecord | None:
        query = select(background_jobs).where(
            background_jobs.c.tenant == tenant, background_jobs.c.response_id == response_id
        )

        def work() -> JobRecord | None:
            with transaction(self._engine) as conn:
                row = conn.execute(query).first()
            return _job(row) if row is not None else None

        return await self._runner.run(work)

    async def note_poll(self, tenant: str, response_id: str) -> None:
        statement = (
            update(background_jobs)
            .where(
                background_jobs.c.tenant == tenant,
                background_jobs.c.response_id == response_id,
                background_jobs.c.state != "done",
            )
            .values(polls=background_jobs.c.polls + 1)
        )

        def work() -> None:
            with transaction(self._engine, write=True) as conn:
                conn.execute(statement)

        await self._runner.run(work)

    async def claim(self, owner: str, now: float, lease_seconds: float, *, limit: int = 1) -> list[JobRecord]:
        if limit <= 0:
            return []
        until = now + lease_seconds

        def work() -> list[JobRecord]:
            with transaction(self._engine, write=True) as conn:
                query = (
                    select(background_jobs)
                    .where(
                        background_jobs.c.state == "queued",
                        background_jobs.c.queued_until <= now,
                        background_jobs.c.polls >= background_jobs.c.queued_polls,
                    )
                    .order_by(background_jobs.c.created_at)
                    .limit(limit)
                )
                # PostgreSQL: the rows stay locked until commit and SKIP LOCKED hides them from other claimers,
                # so no two replicas take the same job. SQLite: BEGIN IMMEDIATE already made this the only writer.
                rows = conn.execute(_locked(conn, query)).all()
                if not rows:
                    return []
                ids = [row.response_id for row in rows]
                conn.execute(
                    update(background_jobs)
                    .where(background_jobs.c.response_id.in_(ids))
                    .values(state="running", owner=owner, lease_expires_at=until, polls=0)
                )
            return [replace(_job(row), state="running", owner=owner, lease_expires_at=until, polls=0) for row in rows]

        return await self._runner.run(work)

    async def take_over_expired(self, owner: str, now: float, lease_seconds: float) -> list[JobRecord]:
        def work() -> list[JobRecord]:
            with transaction(self._engine, write=True) as conn:
                query = select(background_jobs).where(
                    background_jobs.c.state == "running", background_jobs.c.lease_expires_at < now
                )
                rows = conn.execute(_locked(conn, query)).all()
                ids = [row.response_id for row in rows]
                if ids:
                    conn.execute(
                        update(background_jobs)
                        .where(background_jobs.c.response_id.in_(ids))
                        .values(owner=owner, lease_expires_at=now + lease_seconds)
                    )
            return [_job(row) for row in rows]

        return await self._runner.run(work)

    async def renew(self, owner: str, response_ids: Sequence[str], until: float) -> set[str]:
        if not response_ids:
            return set()
        ids = list(response_ids)

        def work() -> set[str]:
            with transaction(self._engine, write=True) as conn:
                conn.execute(
                    update(background_jobs)
                    .where(background_jobs.c.owner == owner, background_jobs.c.response_id.in_(ids))
                    .values(lease_expires_at=until)
                )
                cancelled = conn.execute(
                    select(background_jobs.c.response_id).where(
                        background_jobs.c.response_id.in_(ids), background_jobs.c.cancel_requested.is_(True)
                    )
                ).scalars()
                return set(cancelled)

        return await self._runner.run(work)

    async def request_cancel(self, tenant: str, response_id: str) -> JobRecord | None:
        where = and_(background_jobs.c.tenant == tenant, background_jobs.c.response_id == response_id)

        def work() -> JobRecord | None:
            with transaction(self._engine, write=True) as conn:
                conn.execute(
                    update(background_jobs)
                    .where(where, background_jobs.c.state != "done")
                    .values(cancel_requested=True)
                )
                row = conn.execute(select(background_jobs).where(where)).first()
            return _job(row) if row is not None else None

        return await self._runner.run(work)

    async def cancel_queued(self, response_id: str) -> bool:
        """Move a still-queued job straight to done (it never ran); False when a worker claimed it first."""
        statement = (
            update(background_jobs)
            .where(background_jobs.c.response_id == response_id, background_jobs.c.state == "queued")
            .values(state="done")
        )

        def work() -> bool:
            with transaction(self._engine, write=True) as conn:
                return (conn.execute(statement).rowcount or 0) == 1

        return await self._runner.run(work)

    async def finish(self, response_id: str) -> None:
        statement = (
            update(background_jobs)
            .where(background_jobs.c.response_id == response_id)
            .values(state="done", owner=None, lease_expires_at=None)
        )

        def work() -> None:
            with transaction(self._engine, write=True) as conn:
                conn.execute(statement)

        await self._runner.run(work)

    async def release(self, owner: str) -> None:
        statement = (
            update(background_jobs)
            .where(background_jobs.c.owner == owner, background_jobs.c.state == "running")
            .values(lease_expires_at=0.0)
        )

        def work() -> None:
            with transaction(self._engine, write=True) as conn:
                conn.execute(statement)

        await self._runner.run(work)

    async def count_by_state(self) -> dict[str, int]:
        query = select(background_jobs.c.state, func.count()).group_by(background_jobs.c.state)

        def work() -> dict[str, int]:
            with transaction(self._engine) as conn:
                return {state: count for state, count in conn.execute(query).all()}

        return await self._runner.run(work)

    async def expire(self, now: float) -> list[tuple[str, str]]:
        def work() -> list[tuple[str, str]]:
            with transaction(self._engine, write=True) as conn:
                rows = conn.execute(
                    select(background_jobs.c.tenant, background_jobs.c.response_id).where(
                        background_jobs.c.state == "done",
                        background_jobs.c.expires_at.is_not(None),
                        background_jobs.c.expires_at < now,
                    )
                ).all()
                ids = [row.response_id for row in rows]
                if ids:
                    for table, column in (
                        (response_events, response_events.c.response_id),
                        (response_items, response_items.c.response_id),
                        (responses, responses.c.id),
                        (background_jobs, background_jobs.c.response_id),
                    ):
                        conn.execute(delete(table).where(column.in_(ids)))
            return [(row.tenant, row.response_id) for row in rows]

        return await self._runner.run(work)

    async def append_events(self, tenant: str, response_id: str, events: Sequence[JSONObject]) -> None:
        if not events:
            return
        rows = [{"response_id": response_id, "seq": e["sequence_number"], "tenant": tenant, "event": e} for e in events]

        def work() -> None:
            with transaction(self._engine, write=True) as conn:
                conn.execute(insert(response_events), rows)

        await self._runner.run(work)

    async def read_events(self, tenant: str, response_id: str, *, after: int, limit: int = 500) -> list[JSONObject]:
        query = (
            select(response_events.c.event)
            .where(
                response_events.c.tenant == tenant,
                response_events.c.response_id == response_id,
                response_events.c.seq > after,
            )
            .order_by(response_events.c.seq)
            .limit(limit)
        )

        def work() -> list[JSONObject]:
            with transaction(self._engine) as conn:
                return [row.event for row in conn.execute(query).all()]

        return await self._runner.run(work)

    # --- responses no job lease covers (see storage.tables.response_leases) -------------------------------

    async def lease_responses(self, owner: str, response_ids: Sequence[str], *, now: float, until: float) -> None:
        rows = [{"response_id": rid, "owner": owner, "lease_expires_at": until} for rid in dict.fromkeys(response_ids)]
        # Replace rather than update: finished responses drop out and new ones come in, in two statements.
        # Other servers' lapsed rows go too: a lapsed lease and no lease mean the same (a dead server).
        stale = or_(response_leases.c.owner == owner, response_leases.c.lease_expires_at < now)

        def work() -> None:
            with transaction(self._engine, write=True) as conn:
                conn.execute(delete(response_leases).where(stale))
                if rows:
                    conn.execute(_upsert_leases(conn), rows)

        await self._runner.run(work)

    async def find_orphans(
        self, *, alive_at: float | None, created_before: float | None, limit: int = 200
    ) -> list[OrphanRecord]:
        has_job = exists().where(background_jobs.c.response_id == responses.c.id)
        conditions: list[ColumnElement[bool]] = [
            responses.c.deleted.is_(False),
            or_(responses.c.background.is_(False), ~has_job),
        ]
        if created_before is not None:
            conditions.append(responses.c.created_at < created_before)
        if alive_at is not None:
            leased = exists().where(
                response_leases.c.response_id == responses.c.id, response_leases.c.lease_expires_at >= alive_at
            )
            conditions.append(~leased)
        query = (
            select(responses.c.tenant, responses.c.id, responses.c.background)
            .where(text(IN_FLIGHT), *conditions)  # literal, so the partial index ix_responses_in_flight serves it
            .order_by(responses.c.created_at)
            .limit(limit)
        )

        def work() -> list[OrphanRecord]:
            with transaction(self._engine) as conn:
                rows = conn.execute(query).all()
            return [OrphanRecord(row.tenant, row.id, bool(row.background)) for row in rows]

        return await self._runner.run(work)

    async def adopt(self, job: JobRecord) -> bool:
        row = {name: getattr(job, name) for name in _COLUMNS}

        def work() -> bool:
            with transaction(self._engine, write=True) as conn:
                # RETURNING, not rowcount: on psycopg, SQLAlchemy gives this INSERT a rowcount of -1 either way.
                statement = _insert_new_job(conn).returning(background_jobs.c.response_id)
                return conn.execute(statement, row).first() is not None

        return await self._runner.run(work)
