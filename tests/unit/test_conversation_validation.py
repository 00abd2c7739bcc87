"""The Conversations body validators alone: every row of ``tests/conversation_cases.py``, and what they accept."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server.errors import APIError
from server.protocol import (
    parse_json_body,
    validate_conversation_create_body,
    validate_conversation_items_body,
    validate_conversation_update_body,
)
from tests.conversation_cases import CASES, ConversationCase

VALIDATORS: dict[str, Callable[[object], object]] = {
    "create": validate_conversation_create_body,
    "update": validate_conversation_update_body,
    "items": validate_conversation_items_body,
}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_conversation_body_gets_its_error(case: ConversationCase) -> None:
    with pytest.raises(APIError) as caught:
        payload = parse_json_body(case.body) if isinstance(case.body, bytes) else case.body
        VALIDATORS[case.kind](payload)
    assert (caught.value.status_code, caught.value.envelope()) == (case.status, case.error)


def test_case_ids_are_unique_and_every_endpoint_is_covered() -> None:
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.kind for c in CASES} == set(VALIDATORS)


def test_an_empty_create_body_means_no_items_and_no_metadata() -> None:
    request = validate_conversation_create_body({})
    assert request.items == () and request.metadata == {}
    assert validate_conversation_create_body({"items": None, "metadata": None}) == request


def test_create_keeps_the_items_and_metadata_as_sent() -> None:
    items = [{"role": "user", "content": "hi"}, {"type": "function_call_output", "call_id": "c", "output": "x"}]
    request = validate_conversation_create_body({"items": items, "metadata": {"k": "v"}})
    assert list(request.items) == items and request.metadata == {"k": "v"}


def test_update_accepts_null_metadata_as_empty() -> None:
    assert validate_conversation_update_body({"metadata": None}).metadata == {}
    assert validate_conversation_update_body({"metadata": {"a": "b"}}).metadata == {"a": "b"}


def test_items_create_accepts_twenty_items_and_an_empty_list() -> None:
    assert len(validate_conversation_items_body({"items": [{"role": "user", "content": "x"}] * 20}).items) == 20
    assert validate_conversation_items_body({"items": []}).items == ()


def test_items_accept_a_replayed_assistant_output_message() -> None:
    replayed = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "hi", "annotations": []}],
    }
    assert validate_conversation_items_body({"items": [replayed]}).items == (replayed,)
