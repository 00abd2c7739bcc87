"""Background mode: start a response, poll it until it finishes (or cancel it).

python examples/python/background.py
"""

import time

from openai import OpenAI

client = OpenAI()
response = client.responses.create(model="gpt-4o", input="Summarise the quarterly report", background=True)
print("started:", response.status)  # queued

while response.status in ("queued", "in_progress"):
    time.sleep(0.2)
    response = client.responses.retrieve(response.id)
print(f"finished: {response.status}: {response.output_text}")
