"""The whole store as one JSON Lines file, and back: to seed a demo, or to reproduce a CI run elsewhere.

The first line is a header (format, version, each table's columns); every other line is one row,
``{"table": "responses", "row": {...}}``, with JSON columns as JSON. Tables and columns come from
``storage.tables.metadata``, so a table or column added later is carried with no change here.

Import copies rows by primary key, in foreign-key order, in one transaction: a row whose key is already
there is left as it is, so importing the same file twice (or into a database that already has some of it)
changes nothing the second time. Tables keyed by a counter (the request journal) are logs, not state: their
keys mean nothing in another database, so they are not exported.

Tenants are hashes of API keys: the same keys see the same data after an import.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

from sqlalchemy import Engine, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from storage.sql_common import transaction
from storage.tables import metadata

FORMAT = "openai-emulator-state"
VERSION = 1
_BATCH = 500


class StateFileError(ValueError):
    """The file is not a state export this version can read; the message names the line."""


@dataclass
class ImportReport:
    """Rows per table: ``inserted`` were new, ``skipped`` had a key already present."""

    inserted: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{name} {n}" for name, n in self.inserted.items() if n]
        skipped = sum(self.skipped.values())
        text = ", ".join(parts) if parts else "nothing new"
        return f"imported {text}" + (f"; {skipped} rows already present" if skipped else "")


def state_tables() -> list[Table]:
    """The tables a state file holds, parents before children."""
    return [table for table in metadata.sorted_tables if table.autoincrement_column is None]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decoder(table: Table, column: str) -> Any:
    """A function turning a JSON value back into what the column takes (identity for most columns)."""
    try:
        python_type = table.c[column].type.python_type
    except NotImplementedError:  # JSON and other types with no single Python type take the value as is
        return None
    if python_type in (datetime, date):
        return python_type.fromisoformat
    if python_type is Decimal:
        return Decimal
    if python_type is bytes:
        return base64.b64decode
    return None


def export_state(engine: Engine, out: TextIO) -> dict[str, int]:
    """Write the header and every row of every state table to ``out``; returns the rows per table.

    Read in one transaction (repeatable read on PostgreSQL), so the file is one consistent snapshot even
    while a server keeps writing.
    """
    tables = state_tables()
    counts: dict[str, int] = {}
    header = {"format": FORMAT, "version": VERSION, "tables": {t.name: [c.name for c in t.columns] for t in tables}}
    out.write(json.dumps(header) + "\n")
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            for table in tables:
                counts[table.name] = 0
                query = select(table).order_by(*table.primary_key.columns)
                for row in conn.execute(query.execution_options(yield_per=_BATCH)):
                    values = {key: _encode(value) for key, value in row._mapping.items()}
                    out.write(json.dumps({"table": table.name, "row": values}, ensure_ascii=False) + "\n")
                    counts[table.name] += 1
    return counts


def _read(lines: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Rows per table, checked against the current tables; ``StateFileError`` naming the line otherwise."""
    tables = {table.name: table for table in state_tables()}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
    numbered: Iterator[tuple[int, str]] = enumerate(lines, start=1)
    header_seen = False
    for number, line in numbered:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise StateFileError(f"line {number}: not JSON: {exc}") from None
        if not header_seen:
            if not isinstance(record, dict) or record.get("format") != FORMAT:
                raise StateFileError(f"line {number}: not an openai-emulator state file (no {FORMAT!r} header)")
            if record.get("version") != VERSION:
                raise StateFileError(f"line {number}: state file version {record.get('version')!r}, expected {VERSION}")
            header_seen = True
            continue
        if not isinstance(record, dict) or not isinstance(record.get("row"), dict):
            raise StateFileError(f"line {number}: expected {{'table': ..., 'row': {{...}}}}")
        name = record.get("table")
        if name not in tables:
            raise StateFileError(f"line {number}: unknown table {name!r}")
        table = tables[name]
        unknown = sorted(set(record["row"]) - set(table.c.keys()))
        if unknown:
            raise StateFileError(f"line {number}: table {name!r} has no column {unknown[0]!r}")
        row = {}
        for column, value in record["row"].items():
            decode = _decoder(table, column)
            row[column] = decode(value) if decode is not None and value is not None else value
        rows[name].append(row)
    if not header_seen:
        raise StateFileError("the file is empty")
    return rows


def _insert_ignoring_existing(engine: Engine, table: Table) -> Insert:
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    raise StateFileError(f"importing into {engine.dialect.name} is not supported")


def import_state(engine: Engine, lines: Iterable[str]) -> ImportReport:
    """Insert every row whose primary key is not present yet, all in one transaction (all or nothing)."""
    rows = _read(lines)
    report = ImportReport()
    with transaction(engine, write=True) as conn:
        for table in state_tables():
            batch_rows = rows[table.name]
            if not batch_rows:
                continue
            count = select(func.count()).select_from(table)
            before = conn.execute(count).scalar_one()
            statement = _insert_ignoring_existing(engine, table)
            for start in range(0, len(batch_rows), _BATCH):
                conn.execute(statement, batch_rows[start : start + _BATCH])
            inserted = conn.execute(count).scalar_one() - before
            report.inserted[table.name] = inserted
            report.skipped[table.name] = len(batch_rows) - inserted
    return report
