"""The OpenAI Agents SDK: an agent with a function tool, run to its final answer.

The agent's first model call asks for get_weather (examples/scenarios/weather.yaml names the city); the SDK
runs the tool and sends its result back; the model then answers with it.

    python examples/python/agents_sdk.py
"""

from agents import Agent, Runner, function_tool, set_tracing_disabled

set_tracing_disabled(True)  # the SDK would upload traces to OpenAI; the emulator is offline


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"18C and cloudy in {city}"


agent = Agent(
    name="Weather agent",
    instructions="Answer weather questions with the get_weather tool.",
    model="gpt-4o",  # served by the default client: OPENAI_BASE_URL and OPENAI_API_KEY
    tools=[get_weather],
)
result = Runner.run_sync(agent, "What's the weather in Paris?")
print("final output:", result.final_output)
