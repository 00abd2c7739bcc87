"""``ResponseRepo`` over SQLAlchemy Core, for every dialect (SQLite overrides its hot statements:
``storage.sqlite_responses``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Select, literal, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from storage.base import ItemPage, JSONObject, Order, ResponseRecord
from storage.sql_common import Runner, cursor_page_query, page_of, transaction
from storage.tables import response_items, responses


class SqlResponseRepo:
    """``ResponseRepo`` over SQLAlchemy Core: one transaction per call, every statement filtered by tenant."""

    def __init__(self, engine: Engine, runner: Runner) -> None:
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
        rows = item_rows(record.tenant, record.id, "input", input_items)
        rows += item_rows(record.tenant, record.id, "output", output_items)
        values = {
            "id": record.id,
            "tenant": record.tenant,
            "created_at": record.created_at,
            "status": record.status,
            "previous_response_id": record.previous_response_id,
            "ancestors": [],  # unused (see storage.tables)
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
        rows = item_rows(tenant, response_id, "output", output_items)

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

    async def chain_items(self, tenant: str, response_id: str) -> list[JSONObject]:
        """Items of the chain ending at ``response_id``, oldest response first; one recursive query."""
        query = _chain_items_query(tenant, response_id)

        def work() -> list[JSONObject]:
            with self._transaction() as conn:
                return list(conn.execute(query).scalars())

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


# Deeper than any chain a client builds; it only stops a cycle (possible only in a hand-edited state file) from
# looping forever.
MAX_CHAIN_DEPTH = 1_000_000


def _chain_items_query(tenant: str, response_id: str) -> Select[tuple[Any]]:
    """The items of the chain ending at ``response_id``: the response and its ancestors found by following
    ``previous_response_id`` (one primary-key lookup a step, inside the database), each response's input
    then output items, oldest response first. Deleted responses are followed and contribute."""
    r = responses.c
    chain = (
        select(r.id, r.previous_response_id.label("previous"), literal(0).label("depth"))
        .where(r.tenant == tenant, r.id == response_id)
        .cte("chain", recursive=True)
    )
    step = responses.alias("step")
    chain = chain.union_all(
        select(step.c.id, step.c.previous_response_id, chain.c.depth + 1).where(
            step.c.id == chain.c.previous, step.c.tenant == tenant, chain.c.depth < MAX_CHAIN_DEPTH
        )
    )
    items = response_items.c
    return (
        select(items.body)
        .join(chain, items.response_id == chain.c.id)
        .where(items.tenant == tenant)
        # 'input' sorts before 'output': each response's items come in context order.
        .order_by(chain.c.depth.desc(), items.role, items.position)
    )


def _visible(conn: Connection, tenant: str, response_id: str) -> bool:
    found = conn.execute(
        select(responses.c.id).where(
            responses.c.tenant == tenant,
            responses.c.id == response_id,
            responses.c.deleted.is_(False),
        )
    ).first()
    return found is not None


def item_rows(tenant: str, response_id: str, role: str, items: Sequence[JSONObject]) -> list[dict[str, Any]]:
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
        background=bool(row.background),
        conversation_id=row.conversation_id,
    )
