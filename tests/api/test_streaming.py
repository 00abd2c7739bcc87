"""Streaming through the SDK over the in-process transport (buffered): the wire invariants.

Incremental delivery, SDK stream helpers and disconnects are tested against a real server in tests/server.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import openai
import pytest
from openai import AsyncOpenAI
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from server.engine.fold import fold

pytestmark = pytest.mark.anyio
EVENT = TypeAdapter(ResponseStreamEvent)

REQUESTS: dict[str, dict[str, Any]] = {
    "text": {"model": "gpt-4o-mini", "input": "Hello, streaming world!"},
    "reasoning": {"model": "gpt-5-nano", "input": "Think, then answer."},
    "reasoning_summary": {
        "model": "o4-mini",
        "input": "Explain.",
        "reasoning": {"effort": "low", "summary": "auto"},
    },
    "phase": {"model": "gpt-5.6-terra", "input": "pong"},
    "incomplete": {"model": "gpt-4o", "input": " ".join(["word"] * 40), "max_output_tokens": 16},
    "function_call": {
        "model": "gpt-4o",
        "input": "What's the weather in Paris?",
        "tools": [
            {
                "type": "function",
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            }
        ],
        "tool_choice": "required",
    },
    "web_search": {
        "model": "gpt-4o",
        "input": "news today",
        "tools": [{"type": "web_search"}],
        "tool_choice": "required",
    },
    "file_search": {
        "model": "gpt-4o",
        "input": "refund policy",
        "tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}],
        "tool_choice": {"type": "file_search"},
    },
    "code_interpreter": {
        "model": "gpt-4o",
        "input": "sum 1..10",
        "tools": [{"type": "code_interpreter", "container": {"type": "auto"}}],
        "tool_choice": {"type": "code_interpreter"},
    },
    "image_generation": {
        "model": "gpt-4o",
        "input": "a red square",
        "tools": [{"type": "image_generation", "partial_images": 1}],
        "tool_choice": {"type": "image_generation"},
    },
    "custom_tool": {
        "model": "gpt-5-mini",
        "input": "SELECT 1",
        "tools": [{"type": "custom", "name": "run_sql"}],
        "tool_choice": {"type": "custom", "name": "run_sql"},
    },
    "structured": {
        "model": "gpt-4o",
        "input": "extract",
        "text": {
            "format": {
                "type": "json_schema",
                "name": "person",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                    "required": ["name", "age"],
                    "additionalProperties": False,
                },
            }
        },
    },
    "shell": {"model": "gpt-5-mini", "input": "ls -la", "tools": [{"type": "shell"}], "tool_choice": "required"},
    "local_shell": {"model": "gpt-4o", "input": "pwd", "tools": [{"type": "local_shell"}], "tool_choice": "required"},
    "apply_patch": {
        "model": "gpt-5-mini",
        "input": "add a note",
        "tools": [{"type": "apply_patch"}],
        "tool_choice": {"type": "apply_patch"},
    },
    "mcp_approval": {
        "model": "gpt-4o",
        "input": "ask the docs server",
        "tools": [{"type": "mcp", "server_label": "docs", "server_url": "https://mcp.example.invalid"}],
        "tool_choice": "required",
    },
    "mcp_call": {
        "model": "gpt-4o",
        "input": "ask the docs server",
        "tools": [
            {
                "type": "mcp",
                "server_label": "docs",
                "server_url": "https://mcp.example.invalid",
                "require_approval": "never",
            }
        ],
        "tool_choice": {"type": "mcp", "server_label": "docs"},
    },
    "logprobs": {
        "model": "gpt-4o",
        "input": "log these probs",
        "include": ["message.output_text.logprobs"],
        "top_logprobs": 2,
    },
    "chain_input": {
        "model": "gpt-4o",
        "input": [
            {"role": "user", "content": "weather?"},
            {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
        ],
    },
}


def parse_sse(text: str) -> list[dict[str, Any]]:
    """Frames exactly as the real API writes them: `event: t\\ndata: {json}\\n\\n`, nothing else."""
    assert text.endswith("\n\n") and "[DONE]" not in text
    events = []
    for frame in text.split("\n\n")[:-1]:
        event_line, data_line = frame.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
        event = json.loads(data_line[len("data: ") :])
        assert event["type"] == event_line[len("event: ") :]
        assert ": " not in data_line[len("data: ") :].replace('": "', "").split('"')[0]  # compact JSON
        events.append(event)
    return events


_ID = re.compile(r"\b(resp|msg|rs|fc|ws|fs|ci|ig|ctc|cu|sh|lsh|apc|mcp|mcpl|mcpr|call)_[0-9A-Za-z]+")


def normalized(response: dict[str, Any]) -> dict[str, Any]:
    """A response with ids, timestamps and the non-stream-only `billing` taken out, for comparisons."""
    text = json.dumps({k: v for k, v in response.items() if k not in ("created_at", "completed_at", "billing")})
    text = re.sub(r'"encrypted_content": "[^"]*"', '"encrypted_content": "X"', text)  # it embeds the item id
    return json.loads(_ID.sub(lambda m: f"{m.group(1)}_X", text))


async def stream_events(http: httpx2.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await http.post("/v1/responses", json={**body, "stream": True})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["x-request-id"].startswith("req_")
    return parse_sse(response.text)


@pytest.mark.parametrize("name", REQUESTS)
async def test_stream_folds_to_the_non_streaming_body_and_to_retrieve(http: httpx2.AsyncClient, name: str) -> None:
    body = REQUESTS[name]
    events = await stream_events(http, body)
    streamed = fold(events)
    plain = (await http.post("/v1/responses", json=body)).json()
    assert normalized(streamed) == normalized(plain)
    retrieved = (await http.get(f"/v1/responses/{streamed['id']}")).json()
    assert {k: v for k, v in retrieved.items() if k != "billing"} == streamed


@pytest.mark.parametrize("name", REQUESTS)
async def test_every_streamed_event_parses_with_the_sdk_types(http: httpx2.AsyncClient, name: str) -> None:
    events = await stream_events(http, REQUESTS[name])
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    terminal = [e for e in events if e["type"] in ("response.completed", "response.incomplete", "response.failed")]
    assert len(terminal) == 1 and terminal[0] is events[-1]
    for event in events:
        EVENT.validate_python(event)
    Response.model_validate(events[-1]["response"])


async def test_text_stream_follows_the_canonical_sequence(http: httpx2.AsyncClient) -> None:
    events = await stream_events(http, REQUESTS["text"])
    types = [e["type"] for e in events]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert set(types[4:-4]) == {"response.output_text.delta"}
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    created = events[0]["response"]
    assert created["status"] == "in_progress" and created["usage"] is None and created["service_tier"] == "auto"
    assert "billing" not in events[-1]["response"]


async def test_deltas_carry_obfuscation_unless_the_client_turns_it_off(http: httpx2.AsyncClient) -> None:
    events = await stream_events(http, REQUESTS["text"])
    assert all("obfuscation" in e for e in events if e["type"].endswith(".delta"))
    plain = await stream_events(http, {**REQUESTS["text"], "stream_options": {"include_obfuscation": False}})
    deltas = [e for e in plain if e["type"].endswith(".delta")]
    assert deltas and all("obfuscation" not in e for e in deltas)


async def test_reasoning_without_summary_has_no_reasoning_events(http: httpx2.AsyncClient) -> None:
    types = [e["type"] for e in await stream_events(http, REQUESTS["reasoning"])]
    assert not [t for t in types if t.startswith("response.reasoning")]
    assert types[2:4] == ["response.output_item.added", "response.output_item.done"]


async def test_reasoning_summary_streams_its_parts(http: httpx2.AsyncClient) -> None:
    types = [e["type"] for e in await stream_events(http, REQUESTS["reasoning_summary"])]
    assert "response.reasoning_summary_part.added" in types and "response.reasoning_summary_text.delta" in types


async def test_incomplete_stream_ends_with_response_incomplete(http: httpx2.AsyncClient) -> None:
    events = await stream_events(http, REQUESTS["incomplete"])
    assert events[-1]["type"] == "response.incomplete"
    assert events[-2]["item"]["status"] == "incomplete"


async def test_errors_before_the_stream_are_plain_json_with_their_status(http: httpx2.AsyncClient) -> None:
    response = await http.post(
        "/v1/responses",
        json={"model": "gpt-4o", "input": "x", "stream": True, "previous_response_id": "resp_x"},
    )
    assert response.status_code == 400 and response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == "previous_response_not_found"


async def test_sdk_create_stream_yields_typed_events(client: AsyncOpenAI) -> None:
    stream = await client.responses.create(model="gpt-4o", input="typed events", stream=True)
    events = [event async for event in stream]
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "typed events"


async def test_sdk_stream_helper_accumulates_the_final_response(client: AsyncOpenAI) -> None:
    async with client.responses.stream(model="gpt-4o", input="helper says hi") as stream:
        deltas = [event.delta async for event in stream if event.type == "response.output_text.delta"]
        final = await stream.get_final_response()
    assert "".join(deltas) == "helper says hi" and final.output_text == "helper says hi"
    assert (await client.responses.retrieve(final.id)).output_text == "helper says hi"


async def test_sdk_stream_helper_raises_on_an_incomplete_stream(client: AsyncOpenAI) -> None:
    async with client.responses.stream(**REQUESTS["incomplete"]) as stream:
        with pytest.raises(RuntimeError, match="response.completed"):
            await stream.get_final_response()


async def test_store_false_stream_is_not_retrievable(client: AsyncOpenAI) -> None:
    stream = await client.responses.create(model="gpt-4o", input="ephemeral", stream=True, store=False)
    events = [event async for event in stream]
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(events[0].response.id)  # type: ignore[union-attr]
