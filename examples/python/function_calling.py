"""Function calling, the whole round trip: the model asks for a tool, we run it, the model answers.

The emulator decides the call from examples/scenarios/weather.yaml (the city of the question); with no
scenario, the default model still calls get_weather, with arguments made from the tool's JSON Schema.

    python examples/python/function_calling.py
"""

import json

from openai import OpenAI

client = OpenAI()
tools = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    }
]


def get_weather(city: str) -> str:
    return f"18C and cloudy in {city}"


response = client.responses.create(model="gpt-4o", input="What's the weather in Paris?", tools=tools)
calls = [item for item in response.output if item.type == "function_call"]
print("tool call:", calls[0].name, calls[0].arguments)

outputs = [
    {"type": "function_call_output", "call_id": call.call_id, "output": get_weather(**json.loads(call.arguments))}
    for call in calls
]
answer = client.responses.create(model="gpt-4o", previous_response_id=response.id, input=outputs, tools=tools)
print("answer:", answer.output_text)
