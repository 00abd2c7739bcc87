"""The soak script (bench/soak.py), CI-sized: mixed traffic from concurrent clients, on SQLite and PostgreSQL.

By hand, the issue's size: ``python -m bench.soak --clients 64 --seconds 60 [--database-url postgresql://…]``.
"""

from __future__ import annotations

import pytest

from bench.soak import run
from tests.conftest import isolated_postgres_url


def _soak(database_url: str | None) -> None:
    books, figures = run(clients=16, seconds=3, database_url=database_url)
    print(f"\nsoak figures: {figures}")
    assert books.problems == []
    assert figures["errors_5xx"] == 0
    assert figures["requests"] > 100 and figures["items_checked"] > 50


def test_soak_on_sqlite() -> None:
    _soak(None)


@pytest.mark.postgres
def test_soak_on_postgres(postgres_url: str) -> None:
    with isolated_postgres_url(postgres_url) as url:
        _soak(url)
