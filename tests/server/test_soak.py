"""The soak script (bench/soak.py), CI-sized: mixed traffic from concurrent clients, on SQLite and PostgreSQL.

By hand, the issue's size: ``python -m bench.soak --clients 64 --seconds 240 --restart-every 20
[--database-url postgresql://…]`` (RELIABILITY.md §4 quotes the figures). Memory is not bounded here: three
seconds is all warm-up. Chains and conversations start over every few turns, as in the long runs.
"""

from __future__ import annotations

import pytest

from bench.soak import run
from tests.conftest import isolated_postgres_url

CLIENTS = 16


def _soak(database_url: str | None) -> None:
    books, figures = run(clients=CLIENTS, seconds=3, database_url=database_url, restart_every=2)
    print(f"\nsoak figures: {figures}")
    assert books.examples == []
    assert figures["errors_5xx"] == 0 and figures["lost_or_duplicated"] == 0
    assert figures["peak_in_flight"] == CLIENTS  # every client had a request in flight at once
    assert figures["requests"] > 100 and figures["items_checked"] > 50
    assert sum(figures["background_final"].values()) == figures["by_kind"]["background"]
    assert figures["by_kind"]["conversation_create"] > CLIENTS  # each client started over at least once


def test_soak_on_sqlite() -> None:
    _soak(None)


@pytest.mark.postgres
def test_soak_on_postgres(postgres_url: str) -> None:
    with isolated_postgres_url(postgres_url) as url:
        _soak(url)
