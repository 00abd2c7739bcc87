"""Units of context handling: opaque content, compaction blocks, the window and truncation groups, the
compaction output item's events, and prompt templates."""

from __future__ import annotations

from typing import Any

import pytest
from openai import omit
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import Response

from scenarios.base import Compaction, MessageEnd, MessageStart, TextDelta
from scenarios.catalogue import resolve, with_overrides
from server.engine.compaction import Compactor, Entry, block_cost, flatten
from server.engine.fold import fold
from server.engine.opaque import OpaqueError, seal, unseal
from server.engine.prompt_files import PromptLoadError, load_prompt_text
from server.engine.prompts import PromptLibrary
from server.engine.tokens import count_item
from server.engine.window import ContextWindowExceeded, compaction_threshold, fit, input_limit
from server.errors import InvalidRequestError, NotFoundError
from tests.unit.test_emitter_fold import EVENT, _sdk_parsable, _without_parse_helpers, run

JSONObject = dict[str, Any]


def user(item_id: str, text: str = "hello there") -> JSONObject:
    return {"id": item_id, "type": "message", "status": "completed", "content": [{"type": "input_text", "text": text}],
            "role": "user"}  # fmt: skip


def assistant(item_id: str, text: str = "general kenobi") -> JSONObject:
    return {"id": item_id, "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}]}  # fmt: skip


def plain(*items: JSONObject, new: bool = False) -> list[Entry]:
    return [Entry(items=(item,), cost=count_item(item), new=new) for item in items]


# --- opaque content ---------------------------------------------------------------------------------------------


def test_sealed_content_opens_only_with_its_purpose_and_secret() -> None:
    token = seal({"a": [1, 2]}, purpose="compaction", secret="s")
    assert token.startswith("gAAAAAB") and unseal(token, purpose="compaction", secret="s") == {"a": [1, 2]}
    assert seal({"a": [1, 2]}, purpose="compaction", secret="s") == token  # deterministic
    for purpose, secret in (("reasoning", "s"), ("compaction", "other")):
        with pytest.raises(OpaqueError):
            unseal(token, purpose=purpose, secret=secret)
    for broken in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:30], "gAAAAAB!!!", "hello"):
        with pytest.raises(OpaqueError):
            unseal(broken, purpose="compaction", secret="s")


# --- compaction blocks ------------------------------------------------------------------------------------------


def test_a_block_bills_user_messages_in_full_and_the_rest_a_quarter() -> None:
    items = [user("msg_1"), assistant("msg_2", " ".join(["word"] * 40))]
    assert block_cost(items) == count_item(items[0]) + -(-count_item(items[1]) // 4)
    assert block_cost(items) < count_item(items[0]) + count_item(items[1])


def test_a_compaction_item_opens_into_its_items_and_absorbs_what_it_repeats() -> None:
    compactor = Compactor("s")
    history = [user("msg_1"), assistant("msg_2")]
    marker = compactor.item(history, "cmp_1")
    resent_without_id = {k: v for k, v in user("msg_9").items() if k != "id"} | {"id": "msg_new"}
    entries = compactor.entries([history[0], resent_without_id, marker, user("msg_3", "next")], new_from=0)
    assert [entry.marker is not None for entry in entries] == [True, False]
    assert [item["id"] for item in flatten(entries)] == ["msg_1", "msg_2", "msg_3"]
    with pytest.raises(InvalidRequestError) as caught:
        compactor.entries([{**marker, "encrypted_content": marker["encrypted_content"][:-2]}], new_from=0)
    assert caught.value.code == "invalid_encrypted_content" and "for item cmp_1" in caught.value.message


def test_a_later_compaction_absorbs_an_earlier_block() -> None:
    compactor = Compactor("s")
    first = compactor.item([user("msg_1"), assistant("msg_2")], "cmp_1")
    second = compactor.item([user("msg_1"), assistant("msg_2"), user("msg_3"), assistant("msg_4")], "cmp_2")
    entries = compactor.entries([first, user("msg_3"), assistant("msg_4"), second], new_from=4)
    assert len(entries) == 1 and [i["id"] for i in flatten(entries)] == ["msg_1", "msg_2", "msg_3", "msg_4"]


# --- the window -------------------------------------------------------------------------------------------------


def test_the_input_limit_keeps_the_output_allowance() -> None:
    assert input_limit(resolve("gpt-5"), None) == 272_000  # the documented gpt-5 input limit
    assert input_limit(resolve("gpt-4o"), None) == 128_000 - 16_384
    assert input_limit(resolve("gpt-4o"), 1_000) == 127_000
    tiny = with_overrides(resolve("tiny"), {"context_window": 200})
    assert tiny.known and input_limit(tiny, None) == 100  # the default allowance is capped at half the window


def test_compaction_threshold_defaults_to_the_limit() -> None:
    assert compaction_threshold(None, 100) is None
    assert compaction_threshold(({"type": "compaction"},), 100) == 100
    assert compaction_threshold(({"type": "compaction", "compact_threshold": 7},), 100) == 7


def test_fit_keeps_everything_that_fits_and_refuses_when_disabled() -> None:
    entries = plain(user("msg_1"), assistant("msg_2"), user("msg_3"))
    total = sum(entry.cost for entry in entries)
    assert fit(entries, base_tokens=3, limit=3 + total, truncation=None) == (entries, 3 + total)
    with pytest.raises(ContextWindowExceeded):
        fit(entries, base_tokens=3, limit=total, truncation="disabled")


def test_truncation_drops_a_reasoning_item_with_the_item_it_precedes() -> None:
    reasoning = {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "hmm"}]}
    entries = plain(reasoning, assistant("msg_1"), user("msg_2", "last question"))
    kept, _ = fit(entries, base_tokens=0, limit=entries[2].cost + 1, truncation="auto")
    assert kept == [entries[2]]
    # Dropping the reasoning item alone would have been enough, but it never goes without its message.
    kept, _ = fit(entries, base_tokens=0, limit=sum(e.cost for e in entries) - 1, truncation="auto")
    assert kept == [entries[2]]


def test_truncation_drops_calls_with_their_outputs_even_when_not_adjacent() -> None:
    call = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"}
    other = {"id": "fc_2", "type": "function_call", "call_id": "call_2", "name": "g", "arguments": "{}"}
    out_1 = {"id": "fco_1", "type": "function_call_output", "call_id": "call_1", "output": "one two three"}
    out_2 = {"id": "fco_2", "type": "function_call_output", "call_id": "call_2", "output": "four"}
    entries = plain(user("msg_0"), call, other, out_1, out_2, user("msg_9", "last"))
    limit = sum(e.cost for e in entries) - entries[0].cost - 1  # "msg_0" alone is not enough
    kept, _ = fit(entries, base_tokens=0, limit=limit, truncation="auto")
    ids = [entry.items[0]["id"] for entry in kept]
    assert ids == ["fc_2", "fco_2", "msg_9"]  # call_1 went with its output, call_2 kept with its own


def test_truncation_never_drops_the_last_user_message_or_what_follows() -> None:
    call = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"}
    out = {"id": "fco_1", "type": "function_call_output", "call_id": "call_1", "output": "x"}
    entries = plain(user("msg_0"), user("msg_1", "what is the weather"), call) + plain(out, new=True)
    must_stay = sum(e.cost for e in entries[1:])
    kept, total = fit(entries, base_tokens=0, limit=must_stay, truncation="auto")
    assert kept == entries[1:] and total == must_stay
    with pytest.raises(ContextWindowExceeded):
        fit(entries, base_tokens=0, limit=must_stay - 1, truncation="auto")


# --- the compaction item's events -------------------------------------------------------------------------------


def test_a_compaction_item_streams_added_compacting_done_and_folds() -> None:
    events = run([Compaction("gAAAAABxyz"), MessageStart(), TextDelta("Done."), MessageEnd()])
    types = [event["type"] for event in events]
    assert types[2:5] == ["response.output_item.added", "response.compaction.compacting", "response.output_item.done"]
    assert events[2]["item"]["encrypted_content"] == "" and events[4]["item"]["encrypted_content"] == "gAAAAABxyz"
    assert events[3] == {
        "type": "response.compaction.compacting",
        "item_id": events[4]["item"]["id"],
        "output_index": 0,
        "sequence_number": 3,
    }
    state: ResponseStreamState[object] = ResponseStreamState(input_tools=omit, text_format=omit)
    for event in events:
        assert _sdk_parsable(event)
        state.handle_event(EVENT.validate_python(event))
    final = fold(events)
    assert final == events[-1]["response"]
    ours = Response.model_validate(final)
    assert state._completed_response is not None
    accumulated = _without_parse_helpers(state._completed_response.model_dump(mode="json"))
    assert accumulated == ours.model_dump(mode="json")
    assert [item["type"] for item in final["output"]] == ["compaction", "message"]


# --- prompt templates -------------------------------------------------------------------------------------------


def library(text: str) -> PromptLibrary:
    return PromptLibrary(load_prompt_text(text, source="p.yaml"))


def test_the_latest_version_is_the_highest_number_else_the_last_defined() -> None:
    numbered = library("id: p\nversions:\n  '10': {instructions: ten}\n  '9': {instructions: nine}\n")
    assert numbered.resolve({"id": "p"}).instructions == "ten"
    named = library("id: p\nversions:\n  draft: {instructions: a}\n  final: {instructions: b}\n")
    resolved = named.resolve({"id": "p"})
    assert resolved.version == "final" and resolved.echo == {"id": "p", "variables": None, "version": "final"}
    with pytest.raises(NotFoundError):
        named.resolve({"id": "p", "version": "1"})


def test_placeholders_allow_spaces_and_string_content_can_become_an_image() -> None:
    prompts = library("id: p\nversions:\n  '1':\n    input:\n      - {role: user, content: '{{ pic }}'}\n")
    image = {"type": "input_image", "image_url": "https://x.invalid/a.png"}
    assert prompts.resolve({"id": "p", "variables": {"pic": image}}).input[0]["content"] == [image]
    assert prompts.resolve({"id": "p", "variables": {"pic": "words"}}).input[0]["content"] == "words"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("id: p\nversions: {}\n", "p.yaml:2: prompt 'p': versions: Dictionary should have at least 1 item"),
        ("id: p\nversions:\n  '1': {}\n", "p.yaml:3: prompt 'p': versions.1: Value error, a version needs"),
        ("id: p\nversions:\n  '1': {instructions: x, bogus: 1}\n", "p.yaml:3: prompt 'p': versions.1.bogus: Extra"),
        ("prompts:\n  - versions: {'1': {instructions: x}}\n", "p.yaml:2: prompt #1: id: Field required"),
        ("id: [\n", "p.yaml:2: not valid YAML or JSON"),
    ],
)
def test_prompt_file_problems_name_the_line(text: str, problem: str) -> None:
    with pytest.raises(PromptLoadError) as caught:
        load_prompt_text(text, source="p.yaml")
    assert caught.value.problems[0].startswith(problem), caught.value.problems
