"""Item integrity through the SDK: item references, replayed reasoning items, tool-call pairing, and an agent
loop on a conversation (REFERENCE §B.3, §H.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest
from openai import AsyncOpenAI
from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseFunctionToolCallItem,
    ResponseInputMessageItem,
    ResponseOutputMessage,
    ResponseReasoningItem,
)

pytestmark = pytest.mark.anyio

STORE_FALSE_SUFFIX = " Items are not persisted when `store` is set to false."
WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def user(text: str) -> Any:
    return {"role": "user", "content": text}


async def not_found(client: AsyncOpenAI, item: dict[str, Any]) -> openai.NotFoundError:
    with pytest.raises(openai.NotFoundError) as caught:
        await client.responses.create(model="gpt-4o", input=[item, user("next")])
    assert caught.value.param is None and caught.value.code is None
    return caught.value


# --- item references ------------------------------------------------------------------------------------------


async def test_an_item_reference_becomes_the_stored_item_for_the_model_and_the_listing(client: AsyncOpenAI) -> None:
    first = await client.responses.create(model="gpt-4o", input="The secret word is tangerine.")
    reply = first.output[0]
    assert isinstance(reply, ResponseOutputMessage)
    asked = (await client.responses.input_items.list(first.id)).data[0]

    second = await client.responses.create(
        model="gpt-4o",
        input=[{"type": "item_reference", "id": reply.id}, {"id": asked.id}],  # typed, and the SDK's bare form
    )
    # The bare reference named the user message, so it is the last user message the echo model answers.
    assert second.output_text == "The secret word is tangerine."
    listed = (await client.responses.input_items.list(second.id, order="asc")).data
    assert isinstance(listed[0], ResponseOutputMessage) and listed[0].id == reply.id
    assert isinstance(listed[1], ResponseInputMessageItem) and listed[1].id == asked.id
    assert listed[0].content[0].type == "output_text" and listed[0].content[0].text == reply.content[0].text  # type: ignore[union-attr]
    # It counts as the item it names.
    plain = await client.responses.input_tokens.count(model="gpt-4o", input=[user("x")], previous_response_id=first.id)
    referenced = await client.responses.input_tokens.count(
        model="gpt-4o", input=[{"id": asked.id}, {"type": "item_reference", "id": reply.id}, user("x")]
    )
    assert referenced.input_tokens == plain.input_tokens


async def test_a_reference_to_a_conversation_item_resolves(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create(items=[{"role": "user", "content": "from the conversation"}])
    [item] = (await client.conversations.items.list(conversation.id)).data
    response = await client.responses.create(
        model="gpt-4o", conversation=conversation.id, input=[{"type": "item_reference", "id": item.id}]
    )
    assert response.output_text == "from the conversation"


async def test_unknown_references_are_404_with_the_store_false_suffix_when_it_applies(
    client: AsyncOpenAI, client_for: Callable[[str], AsyncOpenAI]
) -> None:
    # Not shaped like an emulator item id: no stored response could have made it, nor a store=false one.
    error = await not_found(client, {"type": "item_reference", "id": "msg_unknown"})
    assert error.message == "Error code: 404 - Item with id 'msg_unknown' not found."

    # An item of a store=false response: nothing of it was kept.
    unstored = await client.responses.create(model="gpt-4o", input="forget me", store=False)
    error = await not_found(client, {"type": "item_reference", "id": unstored.output[0].id})
    assert error.message.endswith(f"Item with id '{unstored.output[0].id}' not found.{STORE_FALSE_SUFFIX}")

    # An id of a stored response's family that names nothing: no suffix, that response was stored.
    stored = await client.responses.create(model="gpt-4o", input="keep me")
    missing = stored.output[0].id[:-4] + "0000"
    error = await not_found(client, {"id": missing})
    assert error.message.endswith(f"Item with id '{missing}' not found.")

    # Another tenant's item does not exist for this one.
    async with client_for("sk-test-key-bob") as bob:
        error = await not_found(bob, {"type": "item_reference", "id": stored.output[0].id})
    assert "not found" in error.message


# --- replayed reasoning -----------------------------------------------------------------------------------------


async def test_replayed_reasoning_round_trips_statelessly(client: AsyncOpenAI) -> None:
    first = await client.responses.create(model="o4-mini", input="Think about it.", store=False)
    reasoning = first.output[0]
    assert isinstance(reasoning, ResponseReasoningItem) and reasoning.encrypted_content
    replay = [user("Think about it."), *(item.model_dump(exclude_none=True) for item in first.output)]
    second = await client.responses.create(model="o4-mini", input=[*replay, user("And then?")], store=False)
    assert second.output_text == "And then?"


async def test_tampered_reasoning_content_is_refused(client: AsyncOpenAI) -> None:
    first = await client.responses.create(model="o4-mini", input="Think.", store=False)
    reasoning = first.output[0].model_dump(exclude_none=True)
    token = reasoning["encrypted_content"]
    tampered = {**reasoning, "encrypted_content": token[:-6] + ("x" if token[-6] != "x" else "y") + token[-5:]}
    with pytest.raises(openai.BadRequestError) as caught:
        await client.responses.create(model="o4-mini", input=[user("Think."), tampered, user("next")])
    assert caught.value.body == {
        "message": f"The encrypted content for item {reasoning['id']} could not be verified. "
        "Reason: Encrypted content could not be decrypted or parsed.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_encrypted_content",
    }


async def test_reasoning_replayed_without_its_content_must_be_stored(client: AsyncOpenAI) -> None:
    stored = await client.responses.create(model="o4-mini", input="Think.")
    bare = {**stored.output[0].model_dump(exclude_none=True, exclude={"encrypted_content"})}
    accepted = await client.responses.create(model="o4-mini", input=[user("Think."), bare, user("ok?")])
    assert accepted.status == "completed"

    unstored = await client.responses.create(model="o4-mini", input="Think.", store=False)
    bare = {**unstored.output[0].model_dump(exclude_none=True, exclude={"encrypted_content"})}
    with pytest.raises(openai.NotFoundError) as caught:
        await client.responses.create(model="o4-mini", input=[user("Think."), bare, user("ok?")])
    assert caught.value.message.endswith(f"Item with id '{bare['id']}' not found.{STORE_FALSE_SUFFIX}")


# --- tool-call pairing ------------------------------------------------------------------------------------------


async def test_a_function_call_output_without_call_id_is_a_missing_parameter(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await client.responses.create(
            model="gpt-4o",
            input=[user("hi"), {"type": "function_call_output", "output": "sunny"}],  # type: ignore[list-item]
        )
    assert caught.value.body == {
        "message": "Missing required parameter: 'input[1].call_id'.",
        "type": "invalid_request_error",
        "param": "input[1].call_id",
        "code": "missing_required_parameter",
    }


async def test_the_pairing_errors_name_the_call(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await client.responses.create(
            model="gpt-4o", input=[user("hi"), {"type": "function_call_output", "call_id": "call_x", "output": "1"}]
        )
    assert caught.value.body["message"] == "No tool call found for function call output with call_id call_x."  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as caught:
        await client.responses.create(
            model="gpt-4o",
            input=[user("hi"), {"type": "function_call", "call_id": "call_y", "name": "f", "arguments": "{}"}],
        )
    assert caught.value.body["message"] == "No tool output found for function call call_y."  # type: ignore[index]
    assert caught.value.param == "input" and caught.value.code is None


async def test_an_agent_loop_on_a_conversation(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    call_turn = await client.responses.create(
        model="gpt-4o",
        conversation=conversation.id,
        input="What's the weather in Paris?",
        tools=[WEATHER_TOOL],
        tool_choice="required",
    )
    call = call_turn.output[0]
    assert isinstance(call, ResponseFunctionToolCall) and call.name == "get_weather"

    # The conversation now ends with an unanswered call: a new question without its output is refused.
    with pytest.raises(openai.BadRequestError, match=f"No tool output found for function call {call.call_id}."):
        await client.responses.create(model="gpt-4o", conversation=conversation.id, input="Hello?")

    answer = await client.responses.create(
        model="gpt-4o",
        conversation=conversation.id,
        tools=[WEATHER_TOOL],
        tool_choice="required",  # the loop still ends: outputs after the last user message get answered
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "18C and cloudy"}],
    )
    assert answer.output_text == "18C and cloudy"
    items = [item async for item in client.conversations.items.list(conversation.id, order="asc")]
    assert [item.type for item in items] == ["message", "function_call", "function_call_output", "message"]
    assert isinstance(items[1], ResponseFunctionToolCallItem) and items[1].call_id == call.call_id
    # With the call answered, the conversation goes on normally.
    again = await client.responses.create(model="gpt-4o", conversation=conversation.id, input=[user("Thanks!")])
    assert again.output_text == "Thanks!"
