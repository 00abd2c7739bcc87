"""The worker under a backlog: claims in batches within the concurrency limit, and a bounded number of
prepared runs kept in memory; a job whose run was not kept is rebuilt and answers exactly as if it had been.

Jobs are held queued on a virtual clock (``background_queued_seconds``) so that a backlog builds up, then
released at once by moving the clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI

from server.app import create_app
from server.config import Settings
from server.engine.background import Background
from server.engine.ids import ManualClock
from storage.base import JobRecord
from tests.api.conftest import sdk_client
from tests.api.test_scenarios import control

pytestmark = pytest.mark.anyio
HOLD = 30.0  # seconds every job stays queued, on the virtual clock
Claim = Callable[..., Awaitable[list[JobRecord]]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def app(clock: ManualClock, overrides: dict[str, Any]) -> AsyncIterator[FastAPI]:
    settings = Settings(database_url="sqlite://", **({"background_queued_seconds": HOLD} | overrides))
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncOpenAI]:
    async with sdk_client(app) as client:
        yield client


def background(app: FastAPI) -> Background:
    found: Background | None = app.state.runtime.require_responses().background
    assert found is not None
    return found


def spy_claims(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Record every claim the worker makes: (the limit it asked for, how many jobs it got)."""
    repo = app.state.runtime.require_store().background
    real: Claim = repo.claim
    calls: list[tuple[int, int]] = []

    async def claim(owner: str, now: float, lease_seconds: float, *, limit: int = 1) -> list[JobRecord]:
        jobs = await real(owner, now, lease_seconds, limit=limit)
        calls.append((limit, len(jobs)))
        return jobs

    monkeypatch.setattr(repo, "claim", claim)
    return calls


async def finished(client: AsyncOpenAI, response_id: str, *, limit: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        response = await client.responses.retrieve(response_id)
        if response.status not in ("queued", "in_progress") or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.01)


async def submit(client: AsyncOpenAI, texts: list[str], **extra: Any) -> list[str]:
    return [(await client.responses.create(model="gpt-4o", input=t, background=True, **extra)).id for t in texts]


async def test_worker_claims_several_jobs_in_one_transaction(
    app: FastAPI, client: AsyncOpenAI, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = spy_claims(app, monkeypatch)
    texts = [f"job {n}" for n in range(6)]
    ids = await submit(client, texts)
    await asyncio.sleep(0.1)
    assert all(got == 0 for _, got in calls)  # held: polled, nothing claimable
    clock.advance(HOLD + 1)
    outputs = [(await finished(client, rid)).output_text for rid in ids]
    assert outputs == texts
    assert [got for _, got in calls if got] == [6]  # all six in one claim (one transaction)
    # That claim asked for the free slots of the default concurrency; a poll while the six run asks for fewer.
    assert [limit for limit, got in calls if got] == [16]
    assert all(limit <= 16 for limit, _ in calls)


@pytest.mark.parametrize("overrides", [{"background_concurrency": 2, "background_in_progress_seconds": HOLD}])
async def test_worker_claims_no_more_jobs_than_its_free_slots(
    app: FastAPI, client: AsyncOpenAI, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = spy_claims(app, monkeypatch)
    ids = await submit(client, [f"job {n}" for n in range(5)])
    clock.advance(HOLD + 1)  # the queue hold is over; the in-progress hold is not
    await asyncio.sleep(0.3)
    store = app.state.runtime.require_store()
    assert await store.background.count_by_state() == {"running": 2, "queued": 3}
    assert [got for _, got in calls if got] == [2]
    for _ in range(5):  # each job claimed later starts its own in-progress hold: release them round by round
        clock.advance(HOLD + 1)
        await asyncio.sleep(0.2)
    assert {(await finished(client, rid)).status for rid in ids} == {"completed"}
    assert all(limit <= 2 for limit, _ in calls) and sum(got for _, got in calls) == 5


@pytest.mark.parametrize("overrides", [{"background_queued_seconds": 0}])
async def test_jobs_run_at_once_when_nothing_holds_them(app: FastAPI, client: AsyncOpenAI) -> None:
    ids = await submit(client, [f"quick {n}" for n in range(20)])
    assert [(await finished(client, rid)).output_text for rid in ids] == [f"quick {n}" for n in range(20)]
    assert len(background(app).adopted) == 0 and background(app).adopted.pins == 0


async def test_prepared_runs_kept_are_bounded_and_the_others_still_run(
    app: FastAPI, client: AsyncOpenAI, clock: ManualClock
) -> None:
    adopted = background(app).adopted
    adopted.limit = 4
    texts = [f"backlog {n}" for n in range(12)]
    ids = await submit(client, texts)
    assert len(adopted) == 4 and adopted.pins == 8 and adopted.dropped == 8
    clock.advance(HOLD + 1)
    done = [await finished(client, rid) for rid in ids]
    assert [(r.status, r.output_text) for r in done] == [("completed", t) for t in texts]
    assert len(adopted) == 0 and adopted.pins == 0


REPLIES = {"replies": [{"output": [{"message": m}]} for m in ("first", "second", "third")]}


@pytest.mark.parametrize("kept", [256, 0], ids=["run-kept", "run-dropped"])
async def test_a_dropped_run_answers_the_scripted_turn_chosen_at_submission(
    app: FastAPI, client: AsyncOpenAI, clock: ManualClock, kept: int
) -> None:
    background(app).adopted.limit = kept
    async with control(app) as http:
        assert (await http.post("/queue", json=REPLIES)).json() == {"queued": 3}
    (job,) = await submit(client, ["x"])  # takes "first" now, though it runs later
    assert (await client.responses.create(model="gpt-4o", input="y")).output_text == "second"
    clock.advance(HOLD + 1)
    done = await finished(client, job)
    assert (done.status, done.output_text) == ("completed", "first")
    # Rebuilding the run did not take a turn of its own: the next request still gets the third.
    assert (await client.responses.create(model="gpt-4o", input="z")).output_text == "third"


@pytest.mark.parametrize("overrides", [{"rate_limit_requests_per_minute": 2}])
@pytest.mark.parametrize("kept", [256, 0], ids=["run-kept", "run-dropped"])
async def test_a_dropped_run_is_not_admitted_twice(
    app: FastAPI, client: AsyncOpenAI, clock: ManualClock, kept: int
) -> None:
    background(app).adopted.limit = kept
    (job,) = await submit(client, ["counted once"])
    clock.advance(HOLD + 1)  # within the rate limit's minute
    done = await finished(client, job)
    assert (done.status, done.output_text) == ("completed", "counted once")
    assert (await client.responses.create(model="gpt-4o", input="second of two")).output_text == "second of two"


@pytest.mark.parametrize("kept", [256, 0], ids=["run-kept", "run-dropped"])
async def test_a_dropped_run_adds_its_stored_input_items_to_its_conversation(
    app: FastAPI, client: AsyncOpenAI, clock: ManualClock, kept: int
) -> None:
    background(app).adopted.limit = kept
    conversation = await client.conversations.create()
    (job,) = await submit(client, ["in a conversation"], conversation=conversation.id)
    clock.advance(HOLD + 1)
    done = await finished(client, job)
    assert (done.status, done.output_text) == ("completed", "in a conversation")
    inputs = [item.id async for item in client.responses.input_items.list(job, order="asc")]
    items = [item.id async for item in client.conversations.items.list(conversation.id, order="asc")]
    assert items == [*inputs, *(item.id for item in done.output if item.id)]


async def test_a_job_whose_enqueue_failed_leaves_nothing_kept(
    app: FastAPI, client: AsyncOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = app.state.runtime.require_store().background

    async def broken(job: JobRecord) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(repo, "enqueue", broken)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://emulator.test"
    ) as http:
        answer = await http.post(
            "/v1/responses",
            json={"model": "gpt-4o", "input": "lost", "background": True},
            headers={"Authorization": "Bearer sk-test-key-alice"},
        )
    assert answer.status_code == 500
    assert len(background(app).adopted) == 0 and background(app).adopted.pins == 0
