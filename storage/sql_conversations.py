"""``ConversationRepo`` over SQLAlchemy Core: one transaction per call, every statement filtered by tenant.

Appends are the delicate part. Positions come from the conversation row's ``next_position`` counter, bumped
by one ``UPDATE … RETURNING`` inside the append's own transaction. That UPDATE write-locks the row on
PostgreSQL (a concurrent append waits, then re-reads the bumped counter) and runs under the database-wide
write lock of ``BEGIN IMMEDIATE`` on SQLite, so two appends never get overlapping positions and each one's
items stay contiguous and in order. Reading ``MAX(position)`` instead would race on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from storage.base import ConversationRecord, ItemPage, JSONObject, Order
from storage.sql_common import Runner, cursor_page_query, page_of, transaction
from storage.tables import conversation_items, conversations

__all__ = ["SqlConversationRepo"]

_CONVERSATION = (conversations.c.id, conversations.c.tenant, conversations.c.created_at, conversations.c.metadata)


def _visible(tenant: str, conversation_id: str) -> tuple[ColumnElement[bool], ...]:
    """The WHERE clause of "this tenant's conversation, not deleted"."""
    return (
        conversations.c.tenant == tenant,
        conversations.c.id == conversation_id,
        conversations.c.deleted.is_(False),
    )


def _own_items(tenant: str, conversation_id: str) -> tuple[ColumnElement[bool], ...]:
    return (conversation_items.c.tenant == tenant, conversation_items.c.conversation_id == conversation_id)


class SqlConversationRepo:
    """Conversations and their items; see ``storage.base.ConversationRepo`` for the contract."""

    def __init__(self, engine: Engine, runner: Runner) -> None:
        self._engine = engine
        self._runner = runner

    # -- the conversation -----------------------------------------------------------------------------

    async def create(self, record: ConversationRecord, *, items: Sequence[JSONObject] = ()) -> None:
        """Insert the conversation and its initial items in one transaction; ``KeyError`` if the id exists."""
        rows = _positioned(_item_rows(record.tenant, record.id, items), start=0)
        values = {
            "id": record.id,
            "tenant": record.tenant,
            "created_at": record.created_at,
            "metadata": dict(record.metadata),
            "next_position": len(rows),
            "deleted": False,
        }

        def work() -> None:
            with transaction(self._engine, write=True) as conn:
                try:
                    conn.execute(conversations.insert(), values)
                except IntegrityError:
                    # The only constraint this row can break is its primary key.
                    raise KeyError(record.id) from None
                if rows:
                    conn.execute(conversation_items.insert(), rows)

        await self._runner.run(work)

    async def get(self, tenant: str, conversation_id: str) -> ConversationRecord | None:
        """The visible conversation of ``tenant`` with this id, or None."""
        query = select(*_CONVERSATION).where(*_visible(tenant, conversation_id))

        def work() -> ConversationRecord | None:
            with transaction(self._engine) as conn:
                row = conn.execute(query).one_or_none()
            return None if row is None else _record(row)

        return await self._runner.run(work)

    async def update_metadata(
        self, tenant: str, conversation_id: str, metadata: dict[str, str]
    ) -> ConversationRecord | None:
        """Replace the metadata; the updated record, or None when the conversation is not visible."""
        statement = (
            conversations.update()
            .where(*_visible(tenant, conversation_id))
            .values(metadata=dict(metadata))
            .returning(*_CONVERSATION)
        )

        def work() -> ConversationRecord | None:
            with transaction(self._engine, write=True) as conn:
                row = conn.execute(statement).one_or_none()
            return None if row is None else _record(row)

        return await self._runner.run(work)

    async def delete(self, tenant: str, conversation_id: str) -> bool:
        """Soft delete: the items stay, unreachable. False when nothing was visible."""
        statement = conversations.update().where(*_visible(tenant, conversation_id)).values(deleted=True)

        def work() -> bool:
            with transaction(self._engine, write=True) as conn:
                return conn.execute(statement).rowcount == 1

        return await self._runner.run(work)

    # -- items ----------------------------------------------------------------------------------------

    async def append_items(self, tenant: str, conversation_id: str, items: Sequence[JSONObject]) -> bool:
        """Append all of ``items``, contiguous and in order, in one transaction; False if not visible."""
        rows = _item_rows(tenant, conversation_id, items)
        # Reserve the positions and learn where the range ends in one statement (see the module docstring).
        reserve = (
            conversations.update()
            .where(*_visible(tenant, conversation_id))
            .values(next_position=conversations.c.next_position + len(rows))
            .returning(conversations.c.next_position)
        )

        def work() -> bool:
            with transaction(self._engine, write=True) as conn:
                end: int | None = conn.execute(reserve).scalar_one_or_none()
                if end is None:
                    return False
                if rows:
                    conn.execute(conversation_items.insert(), _positioned(rows, start=end - len(rows)))
                return True

        return await self._runner.run(work)

    async def list_items(
        self,
        tenant: str,
        conversation_id: str,
        *,
        after: str | None = None,
        limit: int = 20,
        order: Order = "desc",
    ) -> ItemPage | None:
        """A page of items, at most ``limit + 1`` rows read; None if the conversation is not visible."""
        own = _own_items(tenant, conversation_id)
        query = cursor_page_query(conversation_items, own, after=after, limit=limit, order=order)

        def work() -> ItemPage | None:
            with transaction(self._engine) as conn:
                if not _exists(conn, tenant, conversation_id):
                    return None
                bodies = list(conn.execute(query).scalars())
            return page_of(bodies, limit)

        return await self._runner.run(work)

    async def get_item(self, tenant: str, conversation_id: str, item_id: str) -> JSONObject | None:
        """The item (the first, should the id occur twice), or None if it or the conversation is not visible."""
        items = conversation_items.c
        query = (
            select(items.body)
            .join(conversations, conversations.c.id == items.conversation_id)
            .where(*_own_items(tenant, conversation_id), items.id == item_id, *_visible(tenant, conversation_id))
            .order_by(items.position)
            .limit(1)
        )

        def work() -> JSONObject | None:
            with transaction(self._engine) as conn:
                body: JSONObject | None = conn.execute(query).scalar_one_or_none()
            return body

        return await self._runner.run(work)

    async def delete_item(self, tenant: str, conversation_id: str, item_id: str) -> bool:
        """Remove every copy of the item; False if there was none or the conversation is not visible."""
        statement = conversation_items.delete().where(
            *_own_items(tenant, conversation_id), conversation_items.c.id == item_id
        )

        def work() -> bool:
            with transaction(self._engine, write=True) as conn:
                if not _exists(conn, tenant, conversation_id):
                    return False
                return conn.execute(statement).rowcount > 0

        return await self._runner.run(work)

    async def all_items(self, tenant: str, conversation_id: str) -> list[JSONObject] | None:
        """Every item in position order, read in the same transaction as the visibility check."""
        query = (
            select(conversation_items.c.body)
            .where(*_own_items(tenant, conversation_id))
            .order_by(conversation_items.c.position)
        )

        def work() -> list[JSONObject] | None:
            with transaction(self._engine) as conn:
                if not _exists(conn, tenant, conversation_id):
                    return None
                return list(conn.execute(query).scalars())

        return await self._runner.run(work)


def _exists(conn: Connection, tenant: str, conversation_id: str) -> bool:
    return conn.execute(select(conversations.c.id).where(*_visible(tenant, conversation_id))).first() is not None


def _item_rows(tenant: str, conversation_id: str, items: Sequence[JSONObject]) -> list[dict[str, Any]]:
    # Validated before any statement runs, so a bad item never opens a transaction.
    rows: list[dict[str, Any]] = []
    for offset, item in enumerate(items):
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id:
            raise ValueError(f"item {offset} for {conversation_id} has no string 'id'")
        rows.append({"tenant": tenant, "conversation_id": conversation_id, "id": item_id, "body": item})
    return rows


def _positioned(rows: list[dict[str, Any]], *, start: int) -> list[dict[str, Any]]:
    return [row | {"position": start + offset} for offset, row in enumerate(rows)]


def _record(row: Row[Any, Any, Any, Any]) -> ConversationRecord:
    return ConversationRecord(
        id=row.id,
        tenant=row.tenant,
        created_at=row.created_at,
        metadata=dict(row.metadata or {}),
    )
