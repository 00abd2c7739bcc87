"""Structured output: responses.parse with a pydantic model gives a typed object.

The emulator answers from examples/scenarios/calendar.yaml (start it with
--scenario-paths '["examples/scenarios"]'); with no scenario, the default model returns an instance of the
schema, or the user's text when it is JSON.

    python examples/python/structured_output.py
"""

from openai import OpenAI
from pydantic import BaseModel


class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


client = OpenAI()
response = client.responses.parse(
    model="gpt-4o",
    input=[
        {"role": "system", "content": "Extract the event information."},
        {"role": "user", "content": "Alice and Bob are going to a science fair on Friday."},
    ],
    text_format=CalendarEvent,
)
event = response.output_parsed
assert isinstance(event, CalendarEvent)
print(f"event: {event.name} on {event.date} with {', '.join(event.participants)}")
