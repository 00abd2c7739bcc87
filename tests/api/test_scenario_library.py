"""Every scenario in scenarios/library loads, and plays as its comments say, through the SDK."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import openai
import pytest
from openai import AsyncOpenAI
from pydantic import BaseModel

from scenarios.files import load_paths
from scenarios.spec import json_schema
from tests.api.conftest import BASE_URL

pytestmark = pytest.mark.anyio
LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "library"
SCHEMA_FILE = LIBRARY.parent / "scenario.schema.json"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"scenario_paths": [LIBRARY]}


def test_the_committed_json_schema_is_the_generated_one() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema()


def test_every_library_file_loads() -> None:
    names = {s.spec.name for s in load_paths([LIBRARY])}
    assert names == {
        "weather-agent",
        "structured-extraction",
        "refusal",
        "rate-limited-then-succeeds",
        "stream-fails-midway",
        "slow-streaming-demo",
        "reasoning-model",
    }


async def test_weather_agent(client: AsyncOpenAI) -> None:
    tool = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
    first = await client.responses.create(model="gpt-4o", input="What's the weather in New York?", tools=[tool])
    call = first.output[0]
    assert call.type == "function_call" and json.loads(call.arguments) == {"city": "New York"}
    second = await client.responses.create(
        model="gpt-4o",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "21C"}],
        tools=[tool],
    )
    assert second.output_text == "Here is the weather in New York: What's the weather in New York?"


class Contact(BaseModel):
    name: str
    email: str
    company: str


async def test_structured_extraction(client: AsyncOpenAI) -> None:
    parsed = await client.responses.parse(model="gpt-4o", input="Extract the contact please", text_format=Contact)
    assert parsed.output_parsed == Contact(
        name="Ada Lovelace", email="ada@example.com", company="Analytical Engines Ltd"
    )


async def test_refusal(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-4o", input="Tell me something forbidden")
    assert response.output[0].content[0].type == "refusal"  # type: ignore[union-attr]


async def test_rate_limited_then_succeeds(app: object) -> None:
    async with AsyncOpenAI(
        api_key="sk-lib",
        base_url=f"{BASE_URL}/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL),  # type: ignore[arg-type]
        max_retries=2,
    ) as client:
        raw = await client.responses.with_raw_response.create(
            model="gpt-4o", input="hi", metadata={"scenario": "rate-limited"}
        )
    assert raw.retries_taken == 1 and raw.parse().output_text == "Worth the wait."


async def test_stream_fails_midway(client: AsyncOpenAI) -> None:
    stream = await client.responses.create(
        model="gpt-4o", input="go", metadata={"scenario": "fails-midway"}, stream=True
    )
    with pytest.raises(openai.APIError):
        async for _ in stream:
            pass


async def test_reasoning_model(client: AsyncOpenAI) -> None:
    response = await client.responses.create(
        model="o4-mini", input="Why is the sky blue?", reasoning={"summary": "auto"}
    )
    reasoning, message = response.output
    assert reasoning.type == "reasoning" and reasoning.summary[0].text.startswith("**Understanding")
    assert message.type == "message" and "Rayleigh" in response.output_text
