"""Streaming: text deltas as they arrive, then the final response, with the SDK's stream helper.

python examples/python/streaming.py
"""

from openai import OpenAI

client = OpenAI()

with client.responses.stream(model="gpt-4o", input="Streams arrive word by word") as stream:
    for event in stream:
        if event.type == "response.output_text.delta":
            print(event.delta, end="", flush=True)
    final = stream.get_final_response()
print()
print(f"streamed {final.usage.output_tokens if final.usage else 0} tokens, status {final.status}")

# The lower-level form: every server-sent event, in order, exactly one terminal event.
events = [event.type for event in client.responses.create(model="gpt-4o", input="one two", stream=True)]
print("events:", events[0], "...", events[-1])
