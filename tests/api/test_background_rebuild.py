"""A background job accepted by one server and run by another (which rebuilds it from the database).

Two apps share one SQLite file; each has its own virtual clock, and only B's moves past the queue hold, so B
claims what A accepted. Replicas on PostgreSQL are tested with real processes in tests/replicas.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from server.app import create_app
from server.config import Settings
from server.engine.ids import ManualClock
from tests.api.conftest import sdk_client

pytestmark = pytest.mark.anyio


@pytest.fixture
async def apps(tmp_path: Path) -> AsyncIterator[tuple[FastAPI, FastAPI, ManualClock]]:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    clock_b = ManualClock()
    settings = Settings(database_url=url, background_queued_seconds=30, background_in_progress_polls=2)
    a, b = create_app(settings, clock=ManualClock()), create_app(settings, clock=clock_b)
    async with a.router.lifespan_context(a), b.router.lifespan_context(b):
        yield a, b, clock_b


async def test_a_job_accepted_on_a_is_run_by_b_and_shows_its_progress(
    apps: tuple[FastAPI, FastAPI, ManualClock],
) -> None:
    a, b, clock_b = apps
    async with sdk_client(a) as on_a, sdk_client(b) as on_b:
        created = await on_a.responses.create(model="gpt-4o", input="run elsewhere", background=True)
        await asyncio.sleep(0.2)
        assert (await on_a.responses.retrieve(created.id)).status == "queued"
        clock_b.advance(31)
        seen = []
        for _ in range(300):
            status = (await on_b.responses.retrieve(created.id)).status
            seen.append(status)
            if status == "completed":
                break
            await asyncio.sleep(0.01)
        assert "in_progress" in seen and seen[-1] == "completed"
        assert (await on_a.responses.retrieve(created.id)).output_text == "run elsewhere"


async def test_a_stream_accepted_on_a_carries_the_events_b_produces(
    apps: tuple[FastAPI, FastAPI, ManualClock],
) -> None:
    a, b, clock_b = apps
    async with sdk_client(a) as on_a, sdk_client(b) as on_b:

        async def release() -> None:
            await asyncio.sleep(0.3)
            clock_b.advance(31)
            for _ in range(4):  # the in-progress hold waits for two polls
                await asyncio.sleep(0.05)
                await on_b.responses.retrieve(response_id)

        stream_task = asyncio.ensure_future(
            on_a.responses.create(model="gpt-4o", input="w1 w2", background=True, stream=True)
        )
        # Polled, not a fixed pause: on a loaded machine the request may take longer than 0.1 s to queue its job.
        for _ in range(100):
            await asyncio.sleep(0.05)
            jobs = await a.state.runtime.require_store().background.count_by_state()
            if jobs:
                break
        assert jobs == {"queued": 1}
        response_id = next(iter(await _queued_ids(a)))
        releaser = asyncio.ensure_future(release())
        stream = await asyncio.wait_for(stream_task, 10)
        events = [event async for event in stream]
        await releaser
    types = [e.type for e in events]
    assert types[:3] == ["response.created", "response.queued", "response.in_progress"]
    assert types[-1] == "response.completed" and [e.sequence_number for e in events] == list(range(len(events)))


async def _queued_ids(app: FastAPI) -> set[str]:
    from sqlalchemy import text

    store = app.state.runtime.require_store()
    with store.engine.connect() as conn:
        return {row[0] for row in conn.execute(text("SELECT response_id FROM background_jobs WHERE state = 'queued'"))}
