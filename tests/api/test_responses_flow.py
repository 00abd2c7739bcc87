"""The Responses resource end to end through the async SDK in strict mode."""

from __future__ import annotations

import json

import openai
import pytest
from openai import AsyncOpenAI
from pydantic import BaseModel

pytestmark = pytest.mark.anyio


async def test_issue_example_flow_create_chain_retrieve_list_delete(client: AsyncOpenAI) -> None:
    r1 = await client.responses.create(model="gpt-4o", input="Hello there")
    r2 = await client.responses.create(model="gpt-4o", input="And again?", previous_response_id=r1.id)
    assert r1.status == r2.status == "completed"
    assert r1.output_text == "Hello there" and r2.output_text == "And again?"
    assert (await client.responses.retrieve(r2.id)).id == r2.id
    items = await client.responses.input_items.list(r2.id)
    assert [item.type for item in items.data] == ["message"]
    assert await client.responses.delete(r1.id) is None
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(r1.id)


async def test_retrieve_returns_the_created_response(client: AsyncOpenAI) -> None:
    created = await client.responses.create(model="gpt-4o-mini", input="Same object twice")
    retrieved = await client.responses.retrieve(created.id)
    assert retrieved.model_dump() == created.model_dump()


async def test_model_alias_echoes_its_dated_snapshot(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-4o-mini", input="hi")
    assert response.model == "gpt-4o-mini-2024-07-18"


async def test_unknown_model_is_accepted_with_non_reasoning_defaults(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="my-local-model", input="hi")
    assert response.model == "my-local-model" and response.reasoning is not None
    assert response.reasoning.effort is None and response.temperature == 1.0


async def test_response_echoes_the_real_defaults(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-4o", input="defaults please")
    assert response.temperature == 1.0 and response.top_p == 1.0
    assert response.tool_choice == "auto" and response.tools == []
    assert response.truncation == "disabled" and response.parallel_tool_calls is True
    assert response.text is not None and response.text.format is not None
    assert response.text.format.type == "text" and response.text.verbosity == "medium"
    assert response.service_tier == "default" and response.metadata == {}
    assert response.top_logprobs == 0 and response.background is False
    assert response.completed_at is not None and response.error is None
    extra = response.model_extra or {}
    assert extra["store"] is True and extra["frequency_penalty"] == 0.0 and extra["presence_penalty"] == 0.0
    assert response.tool_usage is not None and response.tool_usage.web_search.num_requests == 0


async def test_response_echoes_the_request_fields(client: AsyncOpenAI) -> None:
    response = await client.responses.create(
        model="gpt-4.1",
        input="echo my fields",
        instructions="Be brief.",
        temperature=0.2,
        top_p=0.5,
        max_output_tokens=500,
        metadata={"run": "42", "suite": "echo"},
        parallel_tool_calls=False,
        service_tier="flex",
        truncation="auto",
        user="user-1",
        safety_identifier="safe-1",
        prompt_cache_key="cache-1",
        text={"verbosity": "low"},
    )
    assert response.instructions == "Be brief." and response.temperature == 0.2 and response.top_p == 0.5
    assert response.max_output_tokens == 500 and response.metadata == {"run": "42", "suite": "echo"}
    assert response.parallel_tool_calls is False and response.service_tier == "flex"
    assert response.truncation == "auto" and response.user == "user-1"
    assert response.safety_identifier == "safe-1" and response.prompt_cache_key == "cache-1"
    assert response.text is not None and response.text.verbosity == "low"


async def test_function_tools_are_echoed_strictified(client: AsyncOpenAI) -> None:
    response = await client.responses.create(
        model="gpt-4o",
        input="tools",
        tools=[{"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}],
    )
    tool = response.tools[0].model_dump(exclude_unset=True)
    assert tool == {
        "type": "function",
        "description": None,
        "name": "f",
        "output_schema": None,
        "parameters": {"type": "object", "properties": {}, "additionalProperties": False, "required": []},
        "strict": True,
    }


async def test_previous_response_chain_gives_the_model_the_whole_history(client: AsyncOpenAI) -> None:
    r1 = await client.responses.create(model="gpt-4o", input="first", instructions="Only for turn one.")
    r2 = await client.responses.create(model="gpt-4o", input="second", previous_response_id=r1.id)
    r3 = await client.responses.create(model="gpt-4o", input="third", previous_response_id=r2.id)
    assert r3.previous_response_id == r2.id and r3.instructions is None
    assert r1.usage is not None and r2.usage is not None and r3.usage is not None
    # Each turn's input is the chain's inputs and outputs plus the new message; instructions do not carry.
    assert r1.usage.input_tokens < r2.usage.input_tokens < r3.usage.input_tokens
    count = await client.responses.input_tokens.count(model="gpt-4o", input="third", previous_response_id=r2.id)
    assert count.input_tokens == r3.usage.input_tokens


async def test_input_tokens_endpoint_agrees_with_usage(client: AsyncOpenAI) -> None:
    kwargs = dict(model="gpt-4o", input="How many tokens is this?", instructions="Count carefully.")
    response = await client.responses.create(**kwargs)  # type: ignore[call-overload]
    count = await client.responses.input_tokens.count(**kwargs)  # type: ignore[arg-type]
    assert response.usage is not None and count.input_tokens == response.usage.input_tokens
    assert count.object == "response.input_tokens"


async def test_usage_totals_are_consistent(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-5", input="think about it")
    usage = response.usage
    assert usage is not None
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert 0 < usage.output_tokens_details.reasoning_tokens <= usage.output_tokens


async def test_reasoning_model_outputs_a_reasoning_item_before_its_message(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-5-nano", input="Why is the sky blue?")
    assert [item.type for item in response.output] == ["reasoning", "message"]
    reasoning = response.output[0]
    assert reasoning.type == "reasoning" and reasoning.encrypted_content and reasoning.summary == []
    assert response.reasoning is not None and response.reasoning.effort == "medium"
    assert response.model == "gpt-5-nano-2025-08-07"


async def test_reasoning_summary_auto_is_echoed_as_detailed_and_summarised(client: AsyncOpenAI) -> None:
    response = await client.responses.create(
        model="o4-mini", input="explain", reasoning={"effort": "low", "summary": "auto"}
    )
    assert response.reasoning is not None and response.reasoning.summary == "detailed"
    reasoning = response.output[0]
    assert reasoning.type == "reasoning" and reasoning.summary and reasoning.summary[0].text


async def test_gpt_5_6_messages_carry_the_final_answer_phase(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-5.6-terra", input="pong")
    message = response.output[-1]
    assert message.type == "message" and message.phase == "final_answer"
    assert response.top_p == 0.98 and response.prompt_cache_retention == "24h"


async def test_max_output_tokens_too_small_ends_incomplete(client: AsyncOpenAI) -> None:
    long_input = " ".join(f"word{i}" for i in range(60))
    response = await client.responses.create(model="gpt-4o", input=long_input, max_output_tokens=16)
    assert response.status == "incomplete" and response.completed_at is None
    assert response.incomplete_details is not None and response.incomplete_details.reason == "max_output_tokens"
    assert response.usage is not None and response.usage.output_tokens == 16


async def test_store_false_response_is_neither_retrievable_nor_chainable(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-4o", input="forget me", store=False)
    assert response.status == "completed" and (response.model_extra or {})["store"] is False
    with pytest.raises(openai.NotFoundError) as not_found:
        await client.responses.retrieve(response.id)
    assert not_found.value.body == {
        "message": f"Response with id '{response.id}' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.BadRequestError) as bad:
        await client.responses.create(model="gpt-4o", input="x", previous_response_id=response.id)
    assert bad.value.code == "previous_response_not_found" and bad.value.param == "previous_response_id"


async def test_previous_response_not_found_is_400(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        await client.responses.create(model="gpt-4o", input="x", previous_response_id="resp_doesnotexist")
    assert error.value.body == {
        "message": "Previous response with id 'resp_doesnotexist' not found.",
        "type": "invalid_request_error",
        "param": "previous_response_id",
        "code": "previous_response_not_found",
    }


async def test_deleted_response_cannot_be_retrieved_listed_chained_or_deleted_again(
    client: AsyncOpenAI,
) -> None:
    response = await client.responses.create(model="gpt-4o", input="short-lived")
    await client.responses.delete(response.id)
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(response.id)
    with pytest.raises(openai.NotFoundError):
        await client.responses.input_items.list(response.id)
    with pytest.raises(openai.NotFoundError):
        await client.responses.delete(response.id)
    with pytest.raises(openai.BadRequestError):
        await client.responses.create(model="gpt-4o", input="x", previous_response_id=response.id)


async def test_chain_survives_deleting_an_earlier_response(client: AsyncOpenAI) -> None:
    r1 = await client.responses.create(model="gpt-4o", input="one")
    r2 = await client.responses.create(model="gpt-4o", input="two", previous_response_id=r1.id)
    await client.responses.delete(r1.id)
    r3 = await client.responses.create(model="gpt-4o", input="three", previous_response_id=r2.id)
    assert r3.status == "completed" and r3.output_text == "three"


async def test_input_items_are_listed_newest_first_and_paginate(client: AsyncOpenAI) -> None:
    messages = [{"role": "user", "content": f"message {i}"} for i in range(7)]
    response = await client.responses.create(model="gpt-4o", input=messages)  # type: ignore[arg-type]
    page = await client.responses.input_items.list(response.id, limit=3)
    assert len(page.data) == 3 and page.has_more is True
    texts = []
    async for item in client.responses.input_items.list(response.id, limit=3):
        assert item.type == "message"
        texts.append(item.content[0].text)  # type: ignore[union-attr]
    assert texts == [f"message {i}" for i in reversed(range(7))]
    ascending = await client.responses.input_items.list(response.id, order="asc", limit=100)
    assert [i.content[0].text for i in ascending.data] == [f"message {i}" for i in range(7)]  # type: ignore[union-attr]
    assert ascending.first_id == ascending.data[0].id and ascending.last_id == ascending.data[-1].id


async def test_string_input_is_listed_as_one_user_message_with_an_input_text_part(
    client: AsyncOpenAI,
) -> None:
    response = await client.responses.create(model="gpt-4o", input="just a string")
    items = await client.responses.input_items.list(response.id)
    item = items.data[0]
    assert item.type == "message" and item.role == "user" and item.id.startswith("msg_")
    assert item.content[0].type == "input_text" and item.content[0].text == "just a string"  # type: ignore[union-attr]


async def test_function_call_round_trip_over_previous_response_id(client: AsyncOpenAI) -> None:
    first = await client.responses.create(
        model="gpt-4o",
        input=[
            {"role": "user", "content": "weather?"},
            {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "22C and sunny"},
        ],
    )
    assert first.output_text == "22C and sunny"


async def test_missing_tool_output_is_400(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        await client.responses.create(
            model="gpt-4o",
            input=[
                {"role": "user", "content": "weather?"},
                {"type": "function_call", "call_id": "call_9", "name": "get_weather", "arguments": "{}"},
            ],
        )
    assert error.value.body["message"] == "No tool output found for function call call_9."  # type: ignore[index]


async def test_orphan_tool_output_is_400(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        await client.responses.create(
            model="gpt-4o", input=[{"type": "function_call_output", "call_id": "call_x", "output": "42"}]
        )
    assert error.value.body["message"] == "No tool call found for function call output with call_id call_x."  # type: ignore[index]


async def test_empty_input_without_other_context_is_400(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        await client.responses.create(model="gpt-4o", input="")
    assert error.value.code == "missing_required_parameter" and error.value.param is None


async def test_reasoning_model_rejects_temperature(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        await client.responses.create(model="o3", input="x", temperature=0.5)
    assert error.value.body == {
        "message": "Unsupported parameter: 'temperature' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "temperature",
        "code": None,
    }


async def test_unknown_conversation_is_404(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as error:
        await client.responses.create(model="gpt-4o", input="x", conversation="conv_nope")
    assert error.value.body["message"] == "Conversation with id 'conv_nope' not found."  # type: ignore[index]


async def test_malformed_response_id_is_400(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        await client.responses.retrieve("foo")
    assert error.value.param == "response_id"


WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
}


async def test_forced_function_call_round_trip_over_previous_response_id(client: AsyncOpenAI) -> None:
    first = await client.responses.create(
        model="gpt-4o", input="Weather in Paris?", tools=[WEATHER_TOOL], tool_choice="required"
    )
    call = first.output[0]
    assert call.type == "function_call" and call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "example", "unit": "c"}
    assert call.call_id.startswith("call_") and call.id is not None and call.id.startswith("fc_")
    second = await client.responses.create(
        model="gpt-4o",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "18C, cloudy"}],
        tools=[WEATHER_TOOL],
    )
    assert second.output_text == "18C, cloudy"


async def test_previous_response_with_an_unanswered_call_needs_its_output(client: AsyncOpenAI) -> None:
    first = await client.responses.create(
        model="gpt-4o", input="Weather?", tools=[WEATHER_TOOL], tool_choice={"type": "function", "name": "get_weather"}
    )
    with pytest.raises(openai.BadRequestError) as error:
        await client.responses.create(model="gpt-4o", previous_response_id=first.id, input="never mind")
    assert error.value.body["message"] == f"No tool output found for function call {first.output[0].call_id}."  # type: ignore[index, union-attr]


class Address(BaseModel):
    city: str
    country: str


class Contact(BaseModel):
    name: str
    age: int
    addresses: list[Address]


async def test_parse_with_a_nested_pydantic_model_returns_an_instance(client: AsyncOpenAI) -> None:
    parsed = await client.responses.parse(model="gpt-4o", input="Extract the contact.", text_format=Contact)
    assert isinstance(parsed.output_parsed, Contact) and isinstance(parsed.output_parsed.addresses[0], Address)
    given = await client.responses.parse(
        model="gpt-4o", input='{"name": "Ada", "age": 36, "addresses": []}', text_format=Contact
    )
    assert given.output_parsed == Contact(name="Ada", age=36, addresses=[])


async def test_forced_web_search_is_followed_by_an_answer_and_counted(client: AsyncOpenAI) -> None:
    response = await client.responses.create(
        model="gpt-4o", input="latest news", tools=[{"type": "web_search"}], tool_choice="required"
    )
    assert [item.type for item in response.output] == ["web_search_call", "message"]
    assert response.tool_usage is not None and response.tool_usage.web_search.num_requests == 1
