"""Invariants of the one pipeline: every event parses with the SDK's types, sequence numbers run 0..n with one
terminal event, and folding the events gives the terminal response."""

from __future__ import annotations

from typing import Any

import pytest
from openai import omit
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from scenarios.base import (
    BackendEvent,
    Fail,
    FunctionCall,
    Incomplete,
    MessageEnd,
    MessageStart,
    Reasoning,
    RefusalDelta,
    TextDelta,
    ToolCall,
)
from scenarios.catalogue import resolve
from server.engine.emitter import TERMINAL_EVENTS, Emitter, EmitterOptions
from server.engine.fold import Fold, StreamInvariantError, fold
from server.engine.ids import IdFactory
from server.engine.skeleton import build_skeleton, ordered
from server.protocol.requests import CreateResponseRequest

EVENT = TypeAdapter(ResponseStreamEvent)


class FixedClock:
    def now(self) -> float:
        return 1_787_945_654.0


def run(events: list[BackendEvent], *, model: str = "gpt-4o-mini", **options: Any) -> list[dict[str, Any]]:
    factory = IdFactory(seed=7)
    ids = factory.for_response()
    request = CreateResponseRequest(model=model, input="hi")
    skeleton = build_skeleton(request, resolve(model), response_id=ids.response_id, created_at=1_787_945_650)
    emitter = Emitter(
        skeleton=skeleton, ids=ids, id_factory=factory, clock=FixedClock(), options=EmitterOptions(**options)
    )
    wire = emitter.start()
    for event in events:
        wire += emitter.feed(event)
    return wire + emitter.finish()


SEQUENCES: dict[str, list[BackendEvent]] = {
    "text": [MessageStart(), TextDelta("Hello, world! How are you?"), MessageEnd()],
    "refusal": [MessageStart(), RefusalDelta("I can't help with that."), MessageEnd()],
    "text_then_refusal_parts": [TextDelta("Part one."), RefusalDelta("No."), MessageEnd()],
    "function_call": [FunctionCall(name="get_weather", arguments='{"city":"Paris","unit":"celsius"}')],
    "several_function_calls": [
        FunctionCall(name="get_weather", arguments='{"city":"Paris"}'),
        FunctionCall(name="get_time", arguments='{"tz":"Europe/Paris"}'),
    ],
    "reasoning_then_text": [Reasoning(tokens=64), MessageStart(), TextDelta("Done."), MessageEnd()],
    "reasoning_summary": [
        Reasoning(tokens=64, summary=("**Thinking**\n\nAbout it.", "Second part.")),
        TextDelta("x"),
    ],
    "several_messages": [TextDelta("First."), MessageEnd(), TextDelta("Second."), MessageEnd()],
    "web_search": [
        ToolCall(
            {
                "type": "web_search_call",
                "action": {"type": "search", "query": "paris weather", "queries": ["paris weather"]},
            }
        ),
        TextDelta("It is sunny."),
    ],
    "file_search": [
        ToolCall(
            {
                "type": "file_search_call",
                "queries": ["refund policy"],
                "results": [{"file_id": "file_1", "filename": "policy.md", "score": 0.9, "text": "30 days"}],
            }
        )
    ],
    "code_interpreter": [
        ToolCall(
            {
                "type": "code_interpreter_call",
                "code": "print(sum(range(10)))",
                "container_id": "cntr_1",
                "outputs": [{"type": "logs", "logs": "45"}],
            }
        )
    ],
    "image_generation": [
        ToolCall({"type": "image_generation_call", "result": "aGVsbG8="}, partial_images=("aGk=", "aGVs"))
    ],
    "mcp": [
        ToolCall(
            {
                "type": "mcp_list_tools",
                "server_label": "docs",
                "tools": [{"name": "search", "input_schema": {"type": "object"}}],
            }
        ),
        ToolCall(
            {"type": "mcp_call", "server_label": "docs", "name": "search", "arguments": '{"q":"x"}', "output": "hit"}
        ),
    ],
    "custom_tool": [ToolCall({"type": "custom_tool_call", "name": "run_sql", "input": "SELECT 1"})],
    "computer": [ToolCall({"type": "computer_call", "action": {"type": "screenshot"}, "pending_safety_checks": []})],
    "empty": [],
    "incomplete": [TextDelta("cut short"), Incomplete("content_filter")],
    "failed": [TextDelta("half"), MessageEnd(), Fail("server_error", "boom")],
}


def _sdk_parsable(event: dict[str, Any]) -> bool:
    # The real API nests mid-stream errors ({"error": {...}}); the SDK raises APIError on those frames rather
    # than parsing them into ResponseErrorEvent, so they are checked by shape instead.
    return not (event["type"] == "error" and "error" in event)


@pytest.mark.parametrize("name", SEQUENCES)
def test_every_event_parses_with_the_sdk_types(name: str) -> None:
    for event in run(SEQUENCES[name], stream_reasoning_summary=True):
        if _sdk_parsable(event):
            EVENT.validate_python(event)


@pytest.mark.parametrize("name", SEQUENCES)
def test_sequence_numbers_run_from_zero_with_exactly_one_terminal_event(name: str) -> None:
    events = run(SEQUENCES[name])
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    terminals = [e for e in events if e["type"] in TERMINAL_EVENTS]
    assert len(terminals) == 1 and events[-1] is terminals[0]
    assert events[0]["type"] == "response.created"


@pytest.mark.parametrize("name", SEQUENCES)
def test_fold_equals_the_terminal_response_and_parses_strictly(name: str) -> None:
    events = run(SEQUENCES[name])
    final = fold(events)
    assert final == events[-1]["response"]
    Response.model_validate(final)


def test_text_is_streamed_in_word_sized_deltas_that_rebuild_the_text() -> None:
    events = run(SEQUENCES["text"])
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert deltas == ["Hello", ",", " world", "!", " How", " are", " you", "?"]
    assert fold(events)["output"][0]["content"][0]["text"] == "Hello, world! How are you?"


def test_delta_events_carry_obfuscation_padding_unless_disabled() -> None:
    deltas = [e for e in run(SEQUENCES["text"]) if e["type"].endswith(".delta")]
    assert all(len(e["delta"]) + len(e["obfuscation"]) == 16 for e in deltas if len(e["delta"]) < 14)
    plain = [e for e in run(SEQUENCES["text"], obfuscate=False) if e["type"].endswith(".delta")]
    assert plain and all("obfuscation" not in e for e in plain)


@pytest.mark.parametrize("name", sorted(SEQUENCES))
@pytest.mark.parametrize(
    "options",
    [{}, {"obfuscate": False}, {"logprobs": 2}, {"coalesce_deltas": True}, {"max_output_tokens": 3}],
    ids=["default", "plain", "logprobs", "coalesced", "cut_short"],
)
def test_payload_keys_are_type_first_then_alphabetical(name: str, options: dict[str, Any]) -> None:
    for event in run(SEQUENCES[name], **options) + run([*SEQUENCES[name], Fail("server_error", "x")], **options):
        keys = list(event)
        assert keys[0] == "type" and keys[1:] == sorted(keys[1:]), event["type"]


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_every_lifecycle_response_is_in_the_real_key_order(name: str) -> None:
    for events in (run(SEQUENCES[name]), run([*SEQUENCES[name], Fail("server_error", "x")], max_output_tokens=3)):
        for event in events:
            if "response" in event:
                assert ordered(event["response"]) is event["response"], event["type"]


def test_max_output_tokens_cuts_the_text_and_ends_incomplete() -> None:
    events = run([TextDelta("one two three four five six seven eight nine ten eleven twelve")], max_output_tokens=4)
    final = fold(events)
    assert events[-1]["type"] == "response.incomplete"
    assert final["status"] == "incomplete" and final["incomplete_details"] == {"reason": "max_output_tokens"}
    assert final["output"][0]["status"] == "incomplete"
    assert final["output"][0]["content"][0]["text"] == "one two three four"
    assert final["usage"]["output_tokens"] == 4 and final["completed_at"] is None


def test_reasoning_that_exhausts_the_budget_leaves_only_an_incomplete_reasoning_item() -> None:
    events = run([Reasoning(tokens=64), TextDelta("never said")], max_output_tokens=16)
    final = fold(events)
    assert final["status"] == "incomplete"
    assert [item["type"] for item in final["output"]] == ["reasoning"]
    assert final["usage"]["output_tokens_details"]["reasoning_tokens"] == 16


def test_failure_sends_a_nested_error_event_then_response_failed() -> None:
    events = run(SEQUENCES["failed"])
    error, failed = events[-2], events[-1]
    assert error["type"] == "error"
    assert error["error"] == {
        "type": "server_error",
        "code": "server_error",
        "message": "boom",
        "param": None,
    }
    assert failed["type"] == "response.failed"
    assert failed["response"]["error"] == {"code": "server_error", "message": "boom"}
    assert failed["response"]["usage"] is None and len(failed["response"]["output"]) == 1


def test_flat_error_events_parse_as_the_sdk_error_event() -> None:
    events = run(SEQUENCES["failed"], flat_error_events=True)
    parsed = EVENT.validate_python(events[-2])
    assert parsed.type == "error" and parsed.message == "boom"


def test_completed_response_resolves_service_tier_and_sets_completed_at() -> None:
    events = run(SEQUENCES["text"])
    assert events[0]["response"]["service_tier"] == "auto"
    assert events[-1]["response"]["service_tier"] == "default"
    assert events[-1]["response"]["completed_at"] == 1_787_945_654
    usage = events[-1]["response"]["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_fold_rejects_a_gap_in_sequence_numbers() -> None:
    events = run(SEQUENCES["text"])
    del events[3]
    with pytest.raises(StreamInvariantError):
        fold(events)


def test_fold_rejects_an_event_after_the_terminal_one() -> None:
    events = run(SEQUENCES["text"])
    extra = dict(events[-1], sequence_number=len(events))
    with pytest.raises(StreamInvariantError):
        fold([*events, extra])


def test_fold_snapshot_shows_only_finished_items_while_running() -> None:
    events = run(SEQUENCES["several_messages"])
    state = Fold()
    first_done = next(i for i, e in enumerate(events) if e["type"] == "response.output_item.done")
    for event in events[: first_done + 3]:
        state.apply(event)
    snapshot = state.snapshot()
    assert snapshot["status"] == "in_progress" and len(snapshot["output"]) == 1


def test_web_search_progress_events_and_usage_count() -> None:
    events = run(SEQUENCES["web_search"])
    types = [e["type"] for e in events]
    assert types[2:7] == [
        "response.output_item.added",
        "response.web_search_call.in_progress",
        "response.web_search_call.searching",
        "response.web_search_call.completed",
        "response.output_item.done",
    ]
    assert events[2]["item"]["action"] == {"type": "search"} and events[2]["item"]["status"] == "in_progress"
    final = fold(events)
    assert final["output"][0]["id"].startswith("ws_") and final["output"][0]["status"] == "completed"
    assert final["tool_usage"]["web_search"]["num_requests"] == 1


def test_code_interpreter_streams_code_then_interprets() -> None:
    types = [e["type"] for e in run(SEQUENCES["code_interpreter"])]
    code_done = types.index("response.code_interpreter_call_code.done")
    assert "response.code_interpreter_call_code.delta" in types[:code_done]
    assert types[code_done + 1 : code_done + 3] == [
        "response.code_interpreter_call.interpreting",
        "response.code_interpreter_call.completed",
    ]


def test_custom_tool_call_gets_a_call_id_and_streams_its_input() -> None:
    events = run(SEQUENCES["custom_tool"])
    done = next(e for e in events if e["type"] == "response.custom_tool_call_input.done")
    assert done["input"] == "SELECT 1"
    item = fold(events)["output"][0]
    assert item["id"].startswith("ctc_") and item["call_id"].startswith("call_")


@pytest.mark.parametrize("name", SEQUENCES)
def test_the_sdk_stream_accumulator_accepts_every_sequence_and_agrees_with_the_fold(name: str) -> None:
    """REFERENCE §D.5: the SDK's own ResponseStreamState must accept our streams without raising, and for a
    completed response build the same output as our fold."""
    events = run(SEQUENCES[name], stream_reasoning_summary=True)
    state: ResponseStreamState[object] = ResponseStreamState(input_tools=omit, text_format=omit)
    for event in events:
        if _sdk_parsable(event):
            state.handle_event(EVENT.validate_python(event))
    final = fold(events)
    if final["status"] == "completed":
        accumulated = state._completed_response
        assert accumulated is not None
        ours = Response.model_validate(final)
        assert _without_parse_helpers(accumulated.model_dump(mode="json")) == ours.model_dump(mode="json")


def _without_parse_helpers(value: Any) -> Any:
    """Drop the fields the SDK's parse helpers add (`parsed`, `parsed_arguments`), which no server sends."""
    if isinstance(value, dict):
        return {k: _without_parse_helpers(v) for k, v in value.items() if k not in ("parsed", "parsed_arguments")}
    if isinstance(value, list):
        return [_without_parse_helpers(v) for v in value]
    return value


@pytest.mark.parametrize("name", SEQUENCES)
@pytest.mark.parametrize("limit", [None, 3])
def test_coalesced_deltas_fold_to_the_same_response(name: str, limit: int | None) -> None:
    # A plain create's events only feed the fold (and carry no padding), so its text goes out as one delta
    # per backend event.
    per_token = run(SEQUENCES[name], max_output_tokens=limit, obfuscate=False)
    coalesced = run(SEQUENCES[name], max_output_tokens=limit, obfuscate=False, coalesce_deltas=True)
    assert fold(coalesced) == fold(per_token)
    deltas = [
        event
        for event in coalesced
        if event["type"].endswith("text.delta") or event["type"] == "response.refusal.delta"
    ]
    text_events = sum(isinstance(event, TextDelta | RefusalDelta) for event in SEQUENCES[name])
    assert len(deltas) <= text_events


def test_coalesced_deltas_keep_per_token_logprobs() -> None:
    events = [MessageStart(), TextDelta("Hello, world! How are you?"), MessageEnd()]
    coalesced = run(events, obfuscate=False, coalesce_deltas=True, logprobs=2)
    assert fold(coalesced) == fold(run(events, obfuscate=False, logprobs=2))
    assert sum(event["type"] == "response.output_text.delta" for event in coalesced) > 1
