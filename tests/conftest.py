"""Fixtures and hooks shared by every test package."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

POSTGRES_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
POSTGRES_TEST_DATABASE = "openai_emulator_test"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Run ``@pytest.mark.anyio`` tests on asyncio only (session scope lets session fixtures be async)."""
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test database on the local PostgreSQL server, created if missing.

    Skips the test when the server is unreachable, unless ``OPENAI_EMULATOR_REQUIRE_POSTGRES=1``, where it
    fails instead, so that CI can never pass by silently skipping the PostgreSQL tests.
    """
    engine = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": POSTGRES_TEST_DATABASE}
            ).first()
            if exists is None:
                try:
                    conn.execute(text(f'CREATE DATABASE "{POSTGRES_TEST_DATABASE}"'))
                except ProgrammingError:
                    pass  # another test session created it in between
    except OperationalError as exc:
        detail = " ".join(str(exc.orig).split())  # psycopg's message spans lines; the summary is one
        reason = f"PostgreSQL not reachable at 127.0.0.1:5432: {detail}"
        if os.environ.get("OPENAI_EMULATOR_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (and OPENAI_EMULATOR_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{POSTGRES_TEST_DATABASE}"


@contextmanager
def isolated_postgres_url(postgres_url: str) -> Iterator[str]:
    """A plain ``postgresql://`` URL whose ``search_path`` is a fresh schema, dropped afterwards.

    A schema per test gives a clean state without truncating, and lets test sessions share one server.
    The URL is plain ``postgresql://`` on purpose: the store must choose the psycopg 3 driver itself.
    """
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = (
            make_url(postgres_url)
            .set(drivername="postgresql")
            .update_query_dict({"options": f"-csearch_path={schema}"})
        )
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say so in one line when PostgreSQL or Node SDK tests were skipped, so nobody mistakes it for a pass."""
    reasons: dict[str, list[str]] = {"PostgreSQL": [], "Node SDK": []}
    for report in terminalreporter.stats.get("skipped", []):
        keywords = getattr(report, "keywords", {})
        node = "test_node_sdk.py" in report.nodeid or ".mjs]" in report.nodeid  # the SDK suite, Node examples
        kind = "PostgreSQL" if "postgres" in keywords else "Node SDK" if node else None
        if kind is None:
            continue
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        if reason not in reasons[kind]:
            reasons[kind].append(reason)
    for kind, kind_reasons in reasons.items():
        for reason in kind_reasons:
            terminalreporter.write_line(f"{kind} tests were skipped: {reason}", yellow=True, bold=True)
