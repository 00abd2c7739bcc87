"""The OpenAI Agents SDK runs an agent with a function tool to completion, streamed and not, against the
default model and against a scenario."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from agents import Agent, Runner, function_tool, set_tracing_disabled
from agents.models.openai_responses import OpenAIResponsesModel
from fastapi import FastAPI

from tests.api.conftest import sdk_client
from tests.api.test_scenarios import WEATHER, load

pytestmark = pytest.mark.anyio
set_tracing_disabled(True)  # traces would be exported to OpenAI; the emulator runs offline

calls: list[str] = []


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    calls.append(city)
    return f"The weather in {city} is sunny."


@pytest.fixture
async def agent(app: FastAPI) -> AsyncIterator[Agent]:
    calls.clear()
    async with sdk_client(app) as client:
        yield Agent(
            name="Weather agent",
            instructions="Answer weather questions with the tool.",
            tools=[get_weather],
            model=OpenAIResponsesModel(model="gpt-4o", openai_client=client),
        )


async def test_agent_calls_its_tool_and_finishes_against_the_default_model(agent: Agent) -> None:
    result = await Runner.run(agent, "What's the weather in Paris?")
    assert calls == ["example"]  # the default model's deterministic argument for a plain string
    assert result.final_output == "The weather in example is sunny."


async def test_agent_streamed_against_the_default_model(agent: Agent) -> None:
    result = Runner.run_streamed(agent, "What's the weather in Paris?")
    kinds = [event.type async for event in result.stream_events()]
    assert "raw_response_event" in kinds and "run_item_stream_event" in kinds
    assert result.final_output == "The weather in example is sunny." and calls == ["example"]


async def test_agent_against_a_scenario_gets_the_scripted_arguments_and_answer(app: FastAPI, agent: Agent) -> None:
    await load(app, WEATHER)
    result = await Runner.run(agent, "What's the weather in Paris?")
    assert calls == ["Paris"] and result.final_output == "It is 18C and cloudy in Paris."
    calls.clear()
    streamed = Runner.run_streamed(agent, "And the weather in Oslo?")
    async for _ in streamed.stream_events():
        pass
    assert calls == ["Oslo"] and streamed.final_output == "It is 18C and cloudy in Oslo."
