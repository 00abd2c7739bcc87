"""The ``store`` fixture: every contract test runs on SQLite file, SQLite in memory and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.sql import SqlStore, open_store
from tests.conftest import isolated_postgres_url


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
    with isolated_postgres_url(postgres_url) as url:
        opened = open_store(url)
        try:
            yield opened
        finally:
            await opened.close()
