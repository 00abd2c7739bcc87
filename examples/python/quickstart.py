"""The openai SDK against the emulator: create, chain with previous_response_id, retrieve, list, delete.

export OPENAI_BASE_URL=http://127.0.0.1:7171/v1 OPENAI_API_KEY=sk-anything
python examples/python/quickstart.py
"""

from openai import OpenAI

client = OpenAI()  # reads OPENAI_BASE_URL and OPENAI_API_KEY

first = client.responses.create(model="gpt-4o", input="Hello there")
print("first:", first.output_text)  # the default model echoes the last user message

second = client.responses.create(model="gpt-4o", input="And again?", previous_response_id=first.id)
print("second:", second.output_text)

# The emulator keeps state like the real API: the chain is stored and listable.
stored = client.responses.retrieve(second.id)
inputs = [item.type for item in client.responses.input_items.list(second.id)]
print(f"retrieved {stored.id} ({stored.status}), input items: {inputs}")

client.responses.delete(first.id)
print("quickstart ok")
