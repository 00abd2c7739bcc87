"""Background mode through the SDK: queued -> in_progress -> terminal, lifecycle control on a virtual clock,
cancel, resumable streams, and expiry of store=false responses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI
from openai.types.responses import ResponseStreamEvent
from pydantic import TypeAdapter

from server.app import create_app
from server.config import Settings
from server.engine.ids import ManualClock
from tests.api.conftest import sdk_client
from tests.api.test_scenarios import load

pytestmark = pytest.mark.anyio
EVENT = TypeAdapter(ResponseStreamEvent)
TERMINAL = {"completed", "failed", "incomplete", "cancelled"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def hold() -> dict[str, Any]:
    return {}


@pytest.fixture
async def app(clock: ManualClock, hold: dict[str, Any]) -> AsyncIterator[FastAPI]:  # overrides the api conftest app
    app = create_app(Settings(database_url="sqlite://", **hold), clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncOpenAI]:
    async with sdk_client(app) as client:
        yield client


async def poll(client: AsyncOpenAI, response_id: str, *, limit: float = 5.0) -> list[str]:
    """The documented polling loop; returns every status it saw."""
    seen = []
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        response = await client.responses.retrieve(response_id)
        seen.append(response.status)
        if response.status not in ("queued", "in_progress") or asyncio.get_running_loop().time() > deadline:
            return seen
        await asyncio.sleep(0.01)


async def test_background_create_returns_queued_at_once_then_completes(client: AsyncOpenAI) -> None:
    queued = await client.responses.create(model="gpt-4o", input="in the background", background=True)
    assert queued.status == "queued" and queued.background is True
    assert queued.output == [] and queued.usage is None and queued.completed_at is None
    assert queued.service_tier == "auto"
    seen = await poll(client, queued.id)
    assert seen[-1] == "completed"
    done = await client.responses.retrieve(queued.id)
    assert done.output_text == "in the background" and done.usage is not None and done.completed_at is not None


@pytest.mark.parametrize("hold", [{"background_queued_polls": 3, "background_in_progress_polls": 2}])
async def test_lifecycle_held_by_polls_moto_style(client: AsyncOpenAI) -> None:
    created = await client.responses.create(model="gpt-4o", input="held", background=True)
    seen = await poll(client, created.id)
    assert seen[:2] == ["queued", "queued"] and seen[-1] == "completed"
    assert seen.count("in_progress") >= 2


@pytest.mark.parametrize("hold", [{"background_queued_seconds": 30}])
async def test_lifecycle_held_by_time_on_the_virtual_clock(client: AsyncOpenAI, clock: ManualClock) -> None:
    created = await client.responses.create(model="gpt-4o", input="later", background=True)
    await asyncio.sleep(0.2)
    assert (await client.responses.retrieve(created.id)).status == "queued"
    clock.advance(31)
    assert (await poll(client, created.id))[-1] == "completed"


async def test_the_hold_header_overrides_per_request(client: AsyncOpenAI, clock: ManualClock) -> None:
    created = await client.responses.create(
        model="gpt-4o",
        input="x",
        background=True,
        extra_headers={"x-emulator-background": "in_progress_seconds=60"},
    )
    await asyncio.sleep(0.2)
    assert (await client.responses.retrieve(created.id)).status == "in_progress"
    clock.advance(61)
    assert (await poll(client, created.id))[-1] == "completed"


async def test_a_scenario_turn_scripts_the_background_progression(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(
        app,
        "scenarios: [{name: slow-job, turns: [{background: {queued_polls: 2}, output: [{message: done}]}]}]",
    )
    created = await client.responses.create(model="gpt-4o", input="x", background=True)
    seen = await poll(client, created.id)
    assert seen[0] == "queued" and seen[-1] == "completed"
    assert (await client.responses.retrieve(created.id)).output_text == "done"


@pytest.mark.parametrize("hold", [{"background_queued_seconds": 60}])
async def test_cancel_a_queued_response_is_idempotent(client: AsyncOpenAI) -> None:
    created = await client.responses.create(model="gpt-4o", input="never runs", background=True)
    cancelled = await client.responses.cancel(created.id)
    assert cancelled.status == "cancelled" and cancelled.usage is None and cancelled.output == []
    again = await client.responses.cancel(created.id)
    assert again.model_dump() == cancelled.model_dump()
    assert (await client.responses.retrieve(created.id)).status == "cancelled"


@pytest.mark.parametrize("hold", [{"background_in_progress_seconds": 60}])
async def test_cancel_a_running_response_stops_it(client: AsyncOpenAI) -> None:
    created = await client.responses.create(model="gpt-4o", input="stops", background=True)
    for _ in range(100):
        if (await client.responses.retrieve(created.id)).status == "in_progress":
            break
        await asyncio.sleep(0.01)
    cancelled = await client.responses.cancel(created.id)
    assert cancelled.status == "cancelled"
    await asyncio.sleep(0.1)
    assert (await client.responses.retrieve(created.id)).status == "cancelled"


async def test_cancel_a_finished_background_response_returns_it_unchanged(client: AsyncOpenAI) -> None:
    created = await client.responses.create(model="gpt-4o", input="quick", background=True)
    await poll(client, created.id)
    finished = await client.responses.retrieve(created.id)
    assert (await client.responses.cancel(created.id)).model_dump() == finished.model_dump()


async def test_cancel_of_a_foreground_response_is_the_real_400(client: AsyncOpenAI) -> None:
    created = await client.responses.create(model="gpt-4o", input="sync")
    with pytest.raises(openai.BadRequestError) as error:
        await client.responses.cancel(created.id)
    assert error.value.body == {
        "message": "Cannot cancel a synchronous response.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError):
        await client.responses.cancel("resp_unknown")


async def stream_events(stream: Any) -> list[Any]:
    return [event async for event in stream]


async def test_background_stream_starts_queued_and_replays_from_any_point(client: AsyncOpenAI) -> None:
    stream = await client.responses.create(
        model="gpt-4o", input="one two three four five", background=True, stream=True
    )
    events = await stream_events(stream)
    types = [e.type for e in events]
    assert types[:3] == ["response.created", "response.queued", "response.in_progress"]
    assert events[0].response.status == "queued" and types[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    response_id = events[0].response.id
    for n in (0, 3, len(events) - 2):
        resumed = await stream_events(await client.responses.retrieve(response_id, stream=True, starting_after=n))
        assert [e.model_dump() for e in resumed] == [e.model_dump() for e in events[n + 1 :]]
    full = await stream_events(await client.responses.retrieve(response_id, stream=True))
    assert [e.model_dump() for e in full] == [e.model_dump() for e in events]


async def test_the_sdk_stream_helper_resumes_by_response_id(client: AsyncOpenAI) -> None:
    stream = await client.responses.create(model="gpt-4o", input="resume me", background=True, stream=True)
    first = await stream.__anext__()
    await stream.close()
    async with client.responses.stream(response_id=first.response.id, starting_after=1) as resumed:  # type: ignore[union-attr]
        final = await resumed.get_final_response()
    assert final.output_text == "resume me"


async def test_only_background_streams_can_be_replayed(client: AsyncOpenAI) -> None:
    foreground = await client.responses.create(model="gpt-4o", input="x")
    background = await client.responses.create(model="gpt-4o", input="x", background=True)
    for response_id in (foreground.id, background.id):
        with pytest.raises(openai.BadRequestError):
            await stream_events(await client.responses.retrieve(response_id, stream=True))


async def test_streams_older_than_the_window_can_no_longer_be_replayed(client: AsyncOpenAI, clock: ManualClock) -> None:
    stream = await client.responses.create(model="gpt-4o", input="old", background=True, stream=True)
    events = await stream_events(stream)
    clock.advance(301)
    with pytest.raises(openai.BadRequestError) as error:
        await stream_events(await client.responses.retrieve(events[0].response.id, stream=True))
    assert error.value.body["message"] == (  # type: ignore[index]
        "This response can no longer be streamed because it is more than 5 minutes old"
    )


async def test_replay_strips_obfuscation_when_asked(client: AsyncOpenAI) -> None:
    events = await stream_events(
        await client.responses.create(model="gpt-4o", input="a b", background=True, stream=True)
    )
    plain = await stream_events(
        await client.responses.retrieve(events[0].response.id, stream=True, include_obfuscation=False)
    )
    deltas = [e for e in plain if e.type == "response.output_text.delta"]
    assert deltas and all("obfuscation" not in (e.model_extra or {}) for e in deltas)


async def test_store_false_background_is_kept_for_polling_then_expires(client: AsyncOpenAI, clock: ManualClock) -> None:
    created = await client.responses.create(model="gpt-4o", input="ephemeral", background=True, store=False)
    assert (await poll(client, created.id))[-1] == "completed"
    with pytest.raises(openai.BadRequestError):
        await client.responses.create(model="gpt-4o", input="x", previous_response_id=created.id)
    clock.advance(601)
    for _ in range(60):
        try:
            await client.responses.retrieve(created.id)
        except openai.NotFoundError:
            return
        await asyncio.sleep(0.05)
    pytest.fail("the store=false background response did not expire")


async def test_a_scripted_failure_ends_the_background_response_failed(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(app, "scenarios: [{name: breaks, turns: [{output: [{message: x}], fail: {code: server_error}}]}]")
    created = await client.responses.create(model="gpt-4o", input="x", background=True)
    assert (await poll(client, created.id))[-1] == "failed"
    failed = await client.responses.retrieve(created.id)
    assert failed.error is not None and failed.error.code == "server_error"


async def test_another_tenant_cannot_cancel_or_replay(app: FastAPI, client: AsyncOpenAI) -> None:
    events = await stream_events(await client.responses.create(model="gpt-4o", input="x", background=True, stream=True))
    async with sdk_client(app, "sk-intruder") as intruder:
        with pytest.raises(openai.NotFoundError):
            await intruder.responses.cancel(events[0].response.id)
        with pytest.raises(openai.NotFoundError):
            await stream_events(await intruder.responses.retrieve(events[0].response.id, stream=True))


async def test_every_replayed_event_parses_with_the_sdk_types(client: AsyncOpenAI) -> None:
    events = await stream_events(
        await client.responses.create(model="gpt-5-mini", input="x", background=True, stream=True)
    )
    for event in events:
        EVENT.validate_python(event.model_dump(exclude_unset=True))
