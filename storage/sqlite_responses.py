"""``ResponseRepo`` on SQLite: the statements every request runs, prepared SQL on the raw connection.

The same tables and the same contract as ``SqlResponseRepo`` (the storage contract suite runs both); only
the per-request statements (store a response, update it, read it, read a chain's context, delete it) skip
SQLAlchemy's execution layer and run through ``SqliteDirect``, usually inline on the event loop
(see ``storage.sqlite_direct`` for the measurements and the rules). Listing and lookups by item id, which no
create or retrieve needs, stay on SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from storage.base import JSONObject, ResponseRecord
from storage.sql_common import Runner
from storage.sql_responses import MAX_CHAIN_DEPTH, SqlResponseRepo, item_rows
from storage.sqlite_direct import SqliteDirect, dumps, loads

_SELECT_RESPONSE = (
    "SELECT id, tenant, created_at, status, previous_response_id, background, conversation_id, body"
    " FROM responses WHERE tenant = ? AND id = ? AND deleted = 0"
)
_INSERT_RESPONSE = (
    "INSERT INTO responses (id, tenant, created_at, status, previous_response_id, ancestors, background,"
    " conversation_id, deleted, body) VALUES (?, ?, ?, ?, ?, '[]', ?, ?, 0, ?)"  # ancestors: unused (storage.tables)
)
_INSERT_ITEM = "INSERT INTO response_items (tenant, response_id, role, position, id, body) VALUES (?, ?, ?, ?, ?, ?)"
_UPDATE_RESPONSE = "UPDATE responses SET status = ?, body = ? WHERE tenant = ? AND id = ? AND deleted = 0"
_DELETE_OUTPUTS = "DELETE FROM response_items WHERE tenant = ? AND response_id = ? AND role = 'output'"
_SOFT_DELETE = "UPDATE responses SET deleted = 1 WHERE tenant = ? AND id = ? AND deleted = 0"
# One parameter for any number of ids (a chain may be thousands long): a JSON array, expanded by json_each.
# 'input' sorts before 'output', so SQL gives each response's items in context order.
_CONTEXT_ITEMS = (
    "SELECT response_id, body FROM response_items"
    " WHERE tenant = ? AND response_id IN (SELECT value FROM json_each(?))"
    " ORDER BY response_id, role, position"
)
# ``SqlResponseRepo``'s recursive chain query (see ``_chain_items_query`` there), written out for sqlite3.
_CHAIN_ITEMS = (
    "WITH RECURSIVE chain(id, previous, depth) AS ("
    " SELECT id, previous_response_id, 0 FROM responses WHERE tenant = ? AND id = ?"
    " UNION ALL SELECT step.id, step.previous_response_id, chain.depth + 1 FROM responses AS step, chain"
    f" WHERE step.id = chain.previous AND step.tenant = ? AND chain.depth < {MAX_CHAIN_DEPTH})"
    " SELECT items.body FROM response_items AS items JOIN chain ON items.response_id = chain.id"
    " WHERE items.tenant = ? ORDER BY chain.depth DESC, items.role, items.position"
)


def _item_values(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (row["tenant"], row["response_id"], row["role"], row["position"], row["id"], dumps(row["body"])) for row in rows
    ]


class SqliteResponseRepo(SqlResponseRepo):
    """``SqlResponseRepo`` with its per-request statements on the raw sqlite3 connection."""

    def __init__(self, engine: Engine, runner: Runner, direct: SqliteDirect) -> None:
        super().__init__(engine, runner)
        self._direct = direct

    async def insert(
        self,
        record: ResponseRecord,
        *,
        input_items: Sequence[JSONObject],
        output_items: Sequence[JSONObject] = (),
    ) -> None:
        # Built (and the items checked) before the transaction, so a bad item never opens one.
        rows = item_rows(record.tenant, record.id, "input", input_items)
        rows += item_rows(record.tenant, record.id, "output", output_items)
        items = _item_values(rows)
        values = (
            record.id,
            record.tenant,
            record.created_at,
            record.status,
            record.previous_response_id,
            record.background,
            record.conversation_id,
            dumps(record.body),
        )

        def work(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(_INSERT_RESPONSE, values)
            except sqlite3.IntegrityError:
                # The only constraint this row can break is its primary key.
                raise KeyError(record.id) from None
            if items:
                conn.executemany(_INSERT_ITEM, items)

        await self._direct.write(work)

    async def update(
        self,
        tenant: str,
        response_id: str,
        *,
        status: str,
        body: JSONObject,
        output_items: Sequence[JSONObject],
    ) -> bool:
        items = _item_values(item_rows(tenant, response_id, "output", output_items))
        text = dumps(body)

        def work(conn: sqlite3.Connection) -> bool:
            # A deleted response counts as gone: a late writer must not bring it back.
            if conn.execute(_UPDATE_RESPONSE, (status, text, tenant, response_id)).rowcount != 1:
                return False
            conn.execute(_DELETE_OUTPUTS, (tenant, response_id))
            if items:
                conn.executemany(_INSERT_ITEM, items)
            return True

        return await self._direct.write(work)

    async def delete(self, tenant: str, response_id: str) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            return conn.execute(_SOFT_DELETE, (tenant, response_id)).rowcount == 1

        return await self._direct.write(work)

    async def get(self, tenant: str, response_id: str) -> ResponseRecord | None:
        def work(conn: sqlite3.Connection) -> tuple[Any, ...] | None:
            row: tuple[Any, ...] | None = conn.execute(_SELECT_RESPONSE, (tenant, response_id)).fetchone()
            return row

        row = await self._direct.read(work, one_statement=True)
        if row is None:
            return None
        rid, owner, created_at, status, previous, background, conversation_id, body = row
        return ResponseRecord(
            id=rid,
            tenant=owner,
            created_at=created_at,
            status=status,
            body=loads(body),
            previous_response_id=previous,
            background=bool(background),
            conversation_id=conversation_id,
        )

    async def context_items(self, tenant: str, response_ids: Sequence[str]) -> list[JSONObject]:
        ids = list(response_ids)
        if not ids:
            return []
        # Deleted responses are not filtered out: chains still need their items.
        wanted = dumps(list(dict.fromkeys(ids)))

        def work(conn: sqlite3.Connection) -> list[tuple[str, str]]:
            return conn.execute(_CONTEXT_ITEMS, (tenant, wanted)).fetchall()

        grouped: dict[str, list[JSONObject]] = {}
        for rid, body in await self._direct.read(work, one_statement=True):
            grouped.setdefault(rid, []).append(loads(body))
        return [body for rid in ids for body in grouped.get(rid, ())]

    async def chain_items(self, tenant: str, response_id: str) -> list[JSONObject]:
        def work(conn: sqlite3.Connection) -> list[tuple[str]]:
            return conn.execute(_CHAIN_ITEMS, (tenant, response_id, tenant, tenant)).fetchall()

        return [loads(body) for (body,) in await self._direct.read(work, one_statement=True)]
