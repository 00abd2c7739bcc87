"""Responses inside a conversation: its items are the model's context, and each finished response adds its
input and output to it at once (REFERENCE §F "Using it from Responses")."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI
from openai.types.conversations import Message
from openai.types.responses import ResponseFunctionToolCallItem, ResponseInputMessageItem, ResponseOutputMessage

from server.protocol import ListQuery, validate_create_body

pytestmark = pytest.mark.anyio

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


def describe(item: object) -> str:
    """``role: text`` for messages, the type for anything else: compact enough to compare whole lists."""
    if getattr(item, "type", None) != "message":
        return str(getattr(item, "type", item))
    assert isinstance(item, Message | ResponseInputMessageItem | ResponseOutputMessage), item
    part = item.content[0]
    assert part.type in ("input_text", "output_text")
    return f"{item.role}: {part.text}"


async def items_of(client: AsyncOpenAI, conversation_id: str, order: str = "desc") -> list[str]:
    return [
        describe(item)
        async for item in client.conversations.items.list(conversation_id, order=order, limit=100)  # type: ignore[arg-type]
    ]


async def test_a_second_turn_sees_the_first_and_both_are_kept_newest_first(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    first = await client.responses.create(
        model="gpt-4o", input="What is the capital of France?", conversation=conversation.id
    )
    second = await client.responses.create(model="gpt-4o", input="And of Italy?", conversation={"id": conversation.id})

    assert first.output_text == "What is the capital of France?" and second.output_text == "And of Italy?"
    assert first.conversation is not None and first.conversation.id == conversation.id
    assert second.previous_response_id is None
    # The second turn's context holds the whole first turn, so it costs more input tokens.
    assert first.usage is not None and second.usage is not None
    assert second.usage.input_tokens > first.usage.input_tokens + 5
    assert await items_of(client, conversation.id) == [
        "assistant: And of Italy?",
        "user: And of Italy?",
        "assistant: What is the capital of France?",
        "user: What is the capital of France?",
    ]


async def test_conversation_items_keep_the_response_ids(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    response = await client.responses.create(model="gpt-4o", input="ids please", conversation=conversation.id)
    input_ids = [item.id async for item in client.responses.input_items.list(response.id)]
    listed = (await client.conversations.items.list(conversation.id, order="asc")).data
    assert [item.id for item in listed] == [*input_ids, *(item.id for item in response.output)]


async def test_a_stored_response_lists_only_its_own_input_items(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create(items=[{"role": "user", "content": "earlier"}])
    await client.responses.create(model="gpt-4o", input="first", conversation=conversation.id)
    second = await client.responses.create(model="gpt-4o", input="second", conversation=conversation.id)
    own = [describe(item) async for item in client.responses.input_items.list(second.id)]
    assert own == ["user: second"]


async def test_input_tokens_count_the_conversation_like_the_response_does(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create(items=[{"role": "user", "content": "one two three four"}])
    counted = await client.responses.input_tokens.count(model="gpt-4o", input="five", conversation=conversation.id)
    response = await client.responses.create(model="gpt-4o", input="five", conversation=conversation.id)
    assert response.usage is not None and counted.input_tokens == response.usage.input_tokens


async def test_the_initial_items_are_the_context_of_a_response_with_no_new_input(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create(items=[{"role": "user", "content": "said at creation"}])
    response = await client.responses.create(model="gpt-4o", input=[], conversation=conversation.id)
    assert response.output_text == "said at creation"
    assert await items_of(client, conversation.id, "asc") == ["user: said at creation", "assistant: said at creation"]


async def test_a_function_call_round_trip_on_a_conversation(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    called = await client.responses.create(
        model="gpt-4o",
        input="Weather in Paris?",
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        tool_choice="required",
        conversation=conversation.id,
    )
    call = called.output[0]
    assert call.type == "function_call" and call.name == "get_weather"

    # Only the output is sent: the call itself is already in the conversation.
    answered = await client.responses.create(
        model="gpt-4o",
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 24 °C"}],
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        conversation=conversation.id,
    )
    assert answered.output_text == "Sunny, 24 °C"
    listed = (await client.conversations.items.list(conversation.id, order="asc")).data
    assert [describe(item) for item in listed] == [
        "user: Weather in Paris?",
        "function_call",
        "function_call_output",
        "assistant: Sunny, 24 °C",
    ]
    stored_call = listed[1]
    assert isinstance(stored_call, ResponseFunctionToolCallItem) and stored_call.call_id == call.call_id


async def test_reasoning_items_are_added_to_the_conversation(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    await client.responses.create(model="gpt-5-nano", input="think first", conversation=conversation.id)
    assert await items_of(client, conversation.id, "asc") == [
        "user: think first",
        "reasoning",
        "assistant: think first",
    ]


async def test_a_streamed_response_on_a_conversation_adds_its_turn(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    async with client.responses.stream(model="gpt-4o", input="streamed turn", conversation=conversation.id) as stream:
        final = await stream.get_final_response()
    assert final.conversation is not None and final.conversation.id == conversation.id
    assert await items_of(client, conversation.id) == ["assistant: streamed turn", "user: streamed turn"]


async def test_a_streamed_turn_is_invisible_until_its_terminal_event(app: FastAPI, client: AsyncOpenAI) -> None:
    # The in-process transport buffers whole streams, so this watches the service's own event stream.
    conversation = await client.conversations.create(items=[{"role": "user", "content": "before"}])
    tenant = app.state.authenticator.tenant_for_key("sk-test-key-alice")
    runtime = app.state.runtime
    body = {"model": "gpt-4o", "input": "several words in this reply", "conversation": conversation.id, "stream": True}
    events = await runtime.require_responses().stream(tenant, validate_create_body(body))

    seen: list[tuple[str, int]] = []
    async for event in events:
        listed = await runtime.require_conversations().list_items(tenant, conversation.id, ListQuery(limit=100))
        seen.append((event["type"], len(listed["data"])))

    assert seen[-1] == ("response.completed", 3)
    assert len(seen) > 5 and all(count == 1 for _, count in seen[:-1])


async def test_an_incomplete_response_still_adds_its_turn(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    long_input = " ".join(f"word{i}" for i in range(40))
    response = await client.responses.create(
        model="gpt-4o", input=long_input, max_output_tokens=16, conversation=conversation.id
    )
    assert response.status == "incomplete"
    listed = (await client.conversations.items.list(conversation.id, order="asc")).data
    assert [item.id for item in listed[1:]] == [item.id for item in response.output]


async def test_a_response_with_store_false_still_adds_its_turn(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    await client.responses.create(model="gpt-4o", input="not stored", store=False, conversation=conversation.id)
    assert await items_of(client, conversation.id) == ["assistant: not stored", "user: not stored"]


async def test_concurrent_responses_each_add_their_turn_whole(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    responses = await asyncio.gather(
        *(client.responses.create(model="gpt-4o", input=f"turn {n}", conversation=conversation.id) for n in range(10))
    )
    listed = (await client.conversations.items.list(conversation.id, order="asc", limit=100)).data
    assert len(listed) == 20
    by_output_id = {response.output[0].id: response for response in responses}
    for user_item, reply in zip(listed[0::2], listed[1::2], strict=True):
        # Each response's input is followed at once by its own output, never by another turn's items.
        assert describe(user_item).startswith("user: turn ") and reply.id in by_output_id
        assert describe(reply) == "assistant: " + describe(user_item).removeprefix("user: ")
    assert sorted(describe(item) for item in listed[0::2]) == sorted(f"user: turn {n}" for n in range(10))
