// The official Node SDK against a running emulator: OPENAI_BASE_URL and OPENAI_API_KEY come from the test
// that starts the server (tests/server/test_node_sdk.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";

const client = new OpenAI({ maxRetries: 0 });

test("responses.create without streaming returns the echo", async () => {
  const response = await client.responses.create({ model: "gpt-4o", input: "hello from node" });
  assert.equal(response.status, "completed");
  assert.equal(response.output_text, "hello from node");
});

test("responses.stream delivers text deltas and the final response", async () => {
  const stream = client.responses.stream({ model: "gpt-4o", input: "streamed from node" });
  let text = "";
  stream.on("response.output_text.delta", (event) => {
    text += event.delta;
  });
  const final = await stream.finalResponse();
  assert.equal(text, "streamed from node");
  assert.equal(final.output_text, "streamed from node");
  assert.equal(final.status, "completed");
});

test("create with stream: true yields ordered events ending in response.completed", async () => {
  const stream = await client.responses.create({ model: "gpt-5-mini", input: "events", stream: true });
  const events = [];
  for await (const event of stream) events.push(event);
  assert.deepEqual(
    events.map((e) => e.sequence_number),
    events.map((_, i) => i),
  );
  assert.equal(events[0].type, "response.created");
  assert.equal(events.at(-1).type, "response.completed");
  assert.ok(events.some((e) => e.type === "response.output_item.added" && e.item.type === "reasoning"));
});

test("a previous_response_id chain and retrieve work", async () => {
  const first = await client.responses.create({ model: "gpt-4o", input: "one" });
  const second = await client.responses.create({ model: "gpt-4o", input: "two", previous_response_id: first.id });
  const fetched = await client.responses.retrieve(second.id);
  assert.equal(fetched.previous_response_id, first.id);
  assert.equal(fetched.output_text, "two");
});

test("errors surface as the SDK's typed errors", async () => {
  await assert.rejects(
    client.responses.create({ model: "gpt-4o", input: "x", previous_response_id: "resp_missing" }),
    (error) => error instanceof OpenAI.BadRequestError && error.code === "previous_response_not_found",
  );
});
