"""The context window through the SDK: ``truncation`` both ways on a small-window model (``model_overrides``).

"tiny-window" has a 200-token window and a 50-token output allowance, so its input limit is 150 tokens. Each
30-word message costs 34 tokens (4 of framing), plus 3 for reply priming: the second turn's context (user,
assistant, user: 105 tokens) fits, the third turn's five items (173) do not.
"""

from __future__ import annotations

from typing import Any

import httpx2
import openai
import pytest
from openai import AsyncOpenAI
from openai.types.responses import ResponseFunctionToolCall

from tests.api.test_streaming import parse_sse

pytestmark = pytest.mark.anyio

TINY = "tiny-window"
WORDS = " ".join(f"word{i}" for i in range(30))  # 34 tokens as a message
CONTEXT_LENGTH_EXCEEDED = "Your input exceeds the context window of this model. Please adjust your input and try again."
LOOKUP_TOOL: Any = {
    "type": "function",
    "name": "lookup",
    "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"model_overrides": {TINY: {"context_window": 200, "max_output_tokens": 50}}, "strict_models": True}


async def two_turns(client: AsyncOpenAI) -> str:
    first = await client.responses.create(model=TINY, input=WORDS)
    second = await client.responses.create(model=TINY, input=WORDS, previous_response_id=first.id)
    assert second.usage is not None and second.usage.input_tokens == 3 + 3 * 34
    return second.id


async def test_an_overridden_model_is_known_and_echoed_by_its_name(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model=TINY, input="hi")  # strict_models: only known names pass
    assert response.model == TINY


async def test_disabled_truncation_refuses_a_context_over_the_window(client: AsyncOpenAI) -> None:
    previous = await two_turns(client)
    with pytest.raises(openai.BadRequestError) as caught:
        await client.responses.create(model=TINY, input=WORDS, previous_response_id=previous)
    error = caught.value
    assert error.status_code == 400 and error.message == f"Error code: 400 - {CONTEXT_LENGTH_EXCEEDED}"
    assert error.body == {
        "message": CONTEXT_LENGTH_EXCEEDED,
        "type": "invalid_request_error",
        "param": "input",
        "code": "context_length_exceeded",
    }
    # "disabled" sent explicitly is the same.
    with pytest.raises(openai.BadRequestError):
        await client.responses.create(model=TINY, input=WORDS, previous_response_id=previous, truncation="disabled")


async def test_max_output_tokens_sets_the_allowance(client: AsyncOpenAI) -> None:
    # 200 - 195 leaves 5 input tokens: even a two-word message (3 + 4 + 2) does not fit.
    with pytest.raises(openai.BadRequestError, match="context window"):
        await client.responses.create(model=TINY, input="hello there", max_output_tokens=195)
    fits = await client.responses.create(model=TINY, input="hello there", max_output_tokens=100)
    assert fits.status == "completed"


async def test_auto_truncation_drops_the_oldest_items_until_the_context_fits(client: AsyncOpenAI) -> None:
    previous = await two_turns(client)
    response = await client.responses.create(model=TINY, input=WORDS, previous_response_id=previous, truncation="auto")
    assert response.status == "completed" and response.truncation == "auto"
    assert response.output_text == WORDS  # the model still answers the new message
    # The full context would be 3 + 5 * 34; dropping the first user message makes it fit.
    assert response.usage is not None and response.usage.input_tokens == 3 + 4 * 34
    # input_tokens counts what the same request would keep.
    count = await client.responses.input_tokens.count(
        model=TINY, input=WORDS, previous_response_id=previous, truncation="auto"
    )
    assert count.input_tokens == response.usage.input_tokens


async def test_auto_truncation_never_drops_the_new_message(client: AsyncOpenAI) -> None:
    huge = " ".join(["word"] * 200)
    with pytest.raises(openai.BadRequestError) as caught:
        await client.responses.create(model=TINY, input=huge, truncation="auto")
    assert caught.value.code == "context_length_exceeded"


async def test_auto_truncation_keeps_a_function_call_with_its_output(client: AsyncOpenAI) -> None:
    """Costs: priming 3, "hi" 5, the call 14, its output 34, the reply 34, the question 34: 124 in all.

    ``max_output_tokens=90`` leaves 110. Dropping "hi" (119) is not enough; dropping the call alone would be
    (105), but would leave its output orphaned, so the call goes with its output: 71 tokens are kept.
    """
    context: list[Any] = [
        {"role": "user", "content": "hi"},
        {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": '{"q":"x"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": WORDS},
        {"role": "assistant", "content": WORDS},
        {"role": "user", "content": WORDS},
    ]
    full = await client.responses.input_tokens.count(model=TINY, input=context)
    assert full.input_tokens == 124
    response = await client.responses.create(model=TINY, input=context, truncation="auto", max_output_tokens=90)
    assert response.usage is not None and response.usage.input_tokens == 124 - 5 - 14 - 34
    assert response.output_text == WORDS
    # The stored input items are what the client sent: truncation only changes what the model sees.
    listed = await client.responses.input_items.list(response.id, order="asc")
    assert [item.type for item in listed.data] == ["message", "function_call", "function_call_output", *["message"] * 2]


async def test_a_function_call_chain_in_a_small_window_still_completes(client: AsyncOpenAI) -> None:
    call = await client.responses.create(model=TINY, input=WORDS, tools=[LOOKUP_TOOL], tool_choice="required")
    function_call = call.output[0]
    assert isinstance(function_call, ResponseFunctionToolCall)
    answer = await client.responses.create(
        model=TINY,
        previous_response_id=call.id,
        input=[{"type": "function_call_output", "call_id": function_call.call_id, "output": WORDS}],
    )
    assert answer.output_text == WORDS
    final = await client.responses.create(model=TINY, input=WORDS, previous_response_id=answer.id, truncation="auto")
    count = await client.responses.input_tokens.count(model=TINY, input=WORDS, previous_response_id=answer.id)
    assert final.usage is not None and count.input_tokens > 150 >= final.usage.input_tokens
    assert final.output_text == WORDS


async def test_a_streamed_overflow_fails_after_response_created(http: httpx2.AsyncClient) -> None:
    """REFERENCE §G.2: in a stream the error arrives after ``response.created``, then ``response.failed``."""
    huge = " ".join(["word"] * 200)
    reply = await http.post("/v1/responses", json={"model": TINY, "input": huge, "stream": True})
    assert reply.status_code == 200
    events = parse_sse(reply.text)
    types = [event["type"] for event in events]
    assert types == ["response.created", "response.in_progress", "error", "response.failed"]
    assert events[2]["error"] == {
        "type": "invalid_request_error",
        "code": "context_length_exceeded",
        "message": CONTEXT_LENGTH_EXCEEDED,
        "param": "input",
    }
    failed = events[3]["response"]
    assert failed["status"] == "failed" and failed["usage"] is None and failed["output"] == []
    assert failed["error"] == {"code": "context_length_exceeded", "message": CONTEXT_LENGTH_EXCEEDED}


async def test_the_sdk_raises_on_a_streamed_overflow(client: AsyncOpenAI) -> None:
    stream = await client.responses.create(model=TINY, input=" ".join(["word"] * 200), stream=True)
    with pytest.raises(openai.APIError) as caught:
        async for _ in stream:
            pass
    assert caught.value.code == "context_length_exceeded"


async def test_a_bad_model_override_stops_start_up(tmp_path: Any) -> None:
    from server.app import create_app
    from server.config import Settings

    app = create_app(Settings(database_url="sqlite://", model_overrides={TINY: {"window": 10}}))
    with pytest.raises(ValueError, match=r"model_overrides\['tiny-window'\]: unknown field 'window'"):
        async with app.router.lifespan_context(app):
            pass
