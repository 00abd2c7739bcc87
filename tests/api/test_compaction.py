"""Compaction through the SDK: ``POST /v1/responses/compact``, compaction items sent back as input, and
automatic compaction with ``context_management`` (REFERENCE §A row 7, §H.6, §D.4.10).

A scenario that answers "reply one", "reply two", "reply three" by turn shows what the model saw: its turn
index counts the assistant replies in the context, so "reply three" after a compaction proves that the two
compacted replies were restored for the model.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import openai
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI, omit
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import (
    CompactedResponse,
    ResponseCompactionItem,
    ResponseInputMessageItem,
    ResponseStreamEvent,
)
from pydantic import TypeAdapter

from server.engine.fold import fold
from tests.api.conftest import BASE_URL
from tests.api.test_scenarios import load
from tests.api.test_streaming import parse_sse

pytestmark = pytest.mark.anyio
EVENT = TypeAdapter(ResponseStreamEvent)

COUNTER = """
scenarios:
  - name: counter
    match: {message: "^turn"}
    turns:
      - output: [{message: "reply one"}]
      - output: [{message: "reply two"}]
      - output: [{message: "reply three"}]
"""
LONG = " ".join(f"word{i}" for i in range(40))


@pytest.fixture
async def lenient(app: FastAPI) -> Any:
    """The SDK as users run it (``_strict_response_validation`` off, its default).

    The SDK types ``CompactedResponse.output`` as output items, which cannot hold the user messages the real
    API returns there (its own example shows ``{"type": "message", "role": "user", "content": [{"type":
    "input_text"…}]}``), so a strict client rejects the real API's body too. Each test also validates the
    body strictly, the user messages as the input-message items they are.
    """
    async with AsyncOpenAI(
        api_key="sk-test-key-alice",
        base_url=f"{BASE_URL}/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL),
        max_retries=0,
    ) as client:
        yield client


def check_compacted_body(body: dict[str, Any]) -> None:
    """The exact shape: every user message (a stored input-message item), then one compaction item."""
    *users, last = body["output"]
    for user in users:
        ResponseInputMessageItem.model_validate(user)
        assert user["role"] == "user" and list(user) == ["id", "type", "status", "content", "role"]
    CompactedResponse.model_validate({**body, "output": [last]})
    assert list(last) == ["id", "type", "encrypted_content"]
    assert last["id"].startswith("cmp_") and last["encrypted_content"].startswith("gAAAAAB")


def as_input(compacted: CompactedResponse) -> list[Any]:
    # `warnings=False`: the SDK's serializer warns that the user messages do not fit its output-item types.
    return [item.model_dump(exclude_none=True, warnings=False) for item in compacted.output]


async def two_turns(client: AsyncOpenAI) -> str:
    first = await client.responses.create(model="gpt-4o", input=f"turn a {LONG}")
    second = await client.responses.create(model="gpt-4o", input=f"turn b {LONG}", previous_response_id=first.id)
    return second.id


async def test_compact_returns_the_user_messages_then_one_compaction_item(
    http: httpx2.AsyncClient, lenient: AsyncOpenAI
) -> None:
    previous = await two_turns(lenient)
    reply = await http.post("/v1/responses/compact", json={"model": "gpt-4o", "previous_response_id": previous})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert list(body) == ["id", "object", "created_at", "output", "usage"]
    assert body["id"].startswith("resp_") and body["object"] == "response.compaction"
    check_compacted_body(body)
    texts = [user["content"][0]["text"] for user in body["output"][:-1]]
    assert texts == [f"turn a {LONG}", f"turn b {LONG}"]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] and usage["output_tokens"] > 0

    compacted = await lenient.responses.compact(model="gpt-4o", previous_response_id=previous)
    assert isinstance(compacted, CompactedResponse) and isinstance(compacted.output[-1], ResponseCompactionItem)
    # The user messages keep the ids they were stored with, so the next request can tell they are repeated.
    items = await lenient.responses.input_items.list(previous)
    assert items.data[0].id == compacted.output[1].id


async def test_compacting_input_directly_and_the_validation_of_the_body(http: httpx2.AsyncClient) -> None:
    reply = await http.post(
        "/v1/responses/compact",
        json={"model": "gpt-4o", "input": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]},
    )
    assert reply.status_code == 200
    check_compacted_body(reply.json())
    cases = [
        ({"input": "x"}, "Missing required parameter: 'model'."),
        ({"model": "gpt-4o", "input": "x", "stream": True}, "Unknown parameter: 'stream'."),
        ({"model": "gpt-4o", "inputs": "x"}, "Unknown parameter: 'inputs'. Did you mean 'input'?"),
        ({"model": "gpt-4o", "input": "x", "service_tier": "bogus"}, "Invalid value: 'bogus'."),
        ({"model": "gpt-4o"}, 'One of "input" or "previous_response_id" must be provided.'),
    ]
    for body, message in cases:
        bad = await http.post("/v1/responses/compact", json=body)
        assert bad.status_code == 400 and bad.json()["error"]["message"].startswith(message), (body, bad.text)


async def test_compact_then_continue_remembers_at_a_lower_cost(app: FastAPI, lenient: AsyncOpenAI) -> None:
    await load(app, COUNTER)
    previous = await two_turns(lenient)
    compacted = await lenient.responses.compact(model="gpt-4o", previous_response_id=previous)
    follow_up: Any = {"role": "user", "content": "turn c"}

    response = await lenient.responses.create(model="gpt-4o", input=[*as_input(compacted), follow_up])
    assert response.output_text == "reply three"  # two replies restored from the compaction item
    full = await lenient.responses.input_tokens.count(model="gpt-4o", input="turn c", previous_response_id=previous)
    assert response.usage is not None and response.usage.input_tokens < full.input_tokens
    # The input_tokens endpoint agrees with usage on the compacted form too.
    same = await lenient.responses.input_tokens.count(model="gpt-4o", input=[*as_input(compacted), follow_up])
    assert same.input_tokens == response.usage.input_tokens
    # The compaction item is stored as sent, so the input items list parses with the SDK's strict types.
    listed = [item.type async for item in lenient.responses.input_items.list(response.id, order="asc")]
    assert listed == ["message", "message", "compaction", "message"]


async def test_the_echo_model_answers_the_new_message_after_a_compaction(lenient: AsyncOpenAI) -> None:
    previous = await two_turns(lenient)
    compacted = await lenient.responses.compact(model="gpt-4o", previous_response_id=previous)
    response = await lenient.responses.create(
        model="gpt-4o", input=[*as_input(compacted), {"role": "user", "content": "what now?"}]
    )
    assert response.output_text == "what now?"


async def test_tampered_compaction_content_is_refused(lenient: AsyncOpenAI) -> None:
    compacted = await lenient.responses.compact(model="gpt-4o", input="remember this")
    item: Any = as_input(compacted)[-1]
    token = item["encrypted_content"]
    tampered = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    with pytest.raises(openai.BadRequestError) as caught:
        await lenient.responses.create(model="gpt-4o", input=[{**item, "encrypted_content": tampered}])
    assert caught.value.body == {
        "message": f"The encrypted content for item {item['id']} could not be verified. "
        "Reason: Encrypted content could not be decrypted or parsed.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_encrypted_content",
    }
    # Without an id the message names the content itself, abbreviated.
    with pytest.raises(openai.BadRequestError) as caught:
        await lenient.responses.create(
            model="gpt-4o", input=[{"type": "compaction", "encrypted_content": "gAAAAABnot-ours"}]
        )
    assert caught.value.message.endswith(
        "The encrypted content gAAA...ours could not be verified. "
        "Reason: Encrypted content could not be decrypted or parsed."
    )


AUTO = [{"type": "compaction", "compact_threshold": 60}]


def normalized(response: dict[str, Any]) -> dict[str, Any]:
    """Ids, timestamps, billing and sealed content taken out, for comparing two runs."""
    text = json.dumps({k: v for k, v in response.items() if k not in ("created_at", "completed_at", "billing")})
    text = re.sub(r'"encrypted_content": "[^"]*"', '"encrypted_content": "X"', text)
    result: dict[str, Any] = json.loads(re.sub(r"\b(resp|msg|cmp)_[0-9a-f]+", r"\1_X", text))
    return result


async def test_context_management_compacts_first_then_answers(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(app, COUNTER)
    previous = await two_turns(client)
    full = await client.responses.input_tokens.count(model="gpt-4o", input="turn c", previous_response_id=previous)
    assert full.input_tokens > 60

    response = await client.responses.create(
        model="gpt-4o",
        input="turn c",
        previous_response_id=previous,
        context_management=AUTO,  # type: ignore[arg-type]
    )
    assert [item.type for item in response.output] == ["compaction", "message"]
    assert response.output_text == "reply three"  # the model saw the whole context
    assert response.usage is not None and response.usage.input_tokens < full.input_tokens
    compaction = response.output[0]
    assert isinstance(compaction, ResponseCompactionItem) and compaction.id.startswith("cmp_")

    # Continuing from it: the chain before the compaction item is absorbed by it, and billed as compacted.
    after = await client.responses.create(model="gpt-4o", input="and d", previous_response_id=response.id)
    assert after.output_text == "and d"
    unbounded = await client.responses.input_tokens.count(
        model="gpt-4o",
        input=[{"role": "user", "content": "turn c"}, {"role": "user", "content": "and d"}],
        previous_response_id=previous,
    )
    assert after.usage is not None and after.usage.input_tokens < unbounded.input_tokens
    # No compaction below the threshold.
    small = await client.responses.create(model="gpt-4o", input="hi", context_management=AUTO)  # type: ignore[arg-type]
    assert [item.type for item in small.output] == ["message"]


async def test_automatic_compaction_streams_the_real_events_and_folds_to_the_json_body(
    http: httpx2.AsyncClient, client: AsyncOpenAI
) -> None:
    previous = await two_turns(client)
    body = {"model": "gpt-4o", "input": "again", "previous_response_id": previous, "context_management": AUTO}
    events = parse_sse((await http.post("/v1/responses", json={**body, "stream": True})).text)
    types = [event["type"] for event in events]
    assert types[:6] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.compaction.compacting",
        "response.output_item.done",
        "response.output_item.added",
    ]
    added, compacting, done = events[2], events[3], events[4]
    assert added["item"] == {"id": done["item"]["id"], "type": "compaction", "encrypted_content": ""}
    assert compacting["item_id"] == done["item"]["id"] and compacting["output_index"] == 0
    assert done["item"]["encrypted_content"].startswith("gAAAAAB")
    for event in events:
        EVENT.validate_python(event)
    state: ResponseStreamState[object] = ResponseStreamState(input_tools=omit, text_format=omit)
    for event in events:
        state.handle_event(EVENT.validate_python(event))
    assert state._completed_response is not None
    assert [item.type for item in state._completed_response.output] == ["compaction", "message"]

    streamed = fold(events)
    plain = (await http.post("/v1/responses", json=body)).json()
    assert normalized(streamed) == normalized(plain)
    assert streamed["usage"] == plain["usage"]


async def test_the_sdk_stream_helper_accepts_automatic_compaction(client: AsyncOpenAI) -> None:
    previous = await two_turns(client)
    async with client.responses.stream(
        model="gpt-4o",
        input="again",
        previous_response_id=previous,
        context_management=AUTO,  # type: ignore[arg-type]
    ) as stream:
        seen = [event.type async for event in stream]
        final = await stream.get_final_response()
    assert "response.compaction.compacting" in seen
    assert [item.type for item in final.output] == ["compaction", "message"] and final.output_text == "again"


async def test_automatic_compaction_in_a_conversation(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(app, COUNTER)
    conversation = await client.conversations.create()
    for text in (f"turn a {LONG}", f"turn b {LONG}"):
        await client.responses.create(model="gpt-4o", input=text, conversation=conversation.id)
    third = await client.responses.create(
        model="gpt-4o",
        input="turn c",
        conversation=conversation.id,
        context_management=AUTO,  # type: ignore[arg-type]
    )
    assert third.output_text == "reply three"
    items = [item.type async for item in client.conversations.items.list(conversation.id, order="asc")]
    assert items == ["message", "message", "message", "message", "message", "compaction", "message"]
