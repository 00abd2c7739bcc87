"""The ``store`` fixture: every contract test runs on SQLite file, SQLite in memory and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.sql import SqlStore, open_store


@pytest.fixture(
    params=[
        "sqlite-file",
        "sqlite-memory",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStore]:
    """A fresh, empty store on each backend, closed (and on PostgreSQL dropped) afterwards."""
    if request.param == "sqlite-file":
        opened = open_store(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'emulator.db'}")
        yield opened
        await opened.close()
    elif request.param == "sqlite-memory":
        opened = open_store("sqlite://")
        yield opened
        await opened.close()
    else:
        postgres_url: str = request.getfixturevalue("postgres_url")
        async for opened in _postgres_store(postgres_url):
            yield opened


async def _postgres_store(postgres_url: str) -> AsyncIterator[SqlStore]:
    # A schema of its own per test (via search_path) gives a clean state without truncating, and lets
    # test sessions run side by side on one server.
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        # Plain postgresql:// on purpose: open_store must map it to psycopg 3 itself.
        url = (
            make_url(postgres_url)
            .set(drivername="postgresql")
            .update_query_dict({"options": f"-csearch_path={schema}"})
        )
        opened = open_store(url.render_as_string(hide_password=False))
        try:
            yield opened
        finally:
            await opened.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
