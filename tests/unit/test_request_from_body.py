"""``CreateResponseRequest.from_body`` passes only the keys a body has; every field must still read right."""

from __future__ import annotations

import dataclasses

from server.protocol.requests import _AS_SENT, CreateResponseRequest

CONVERTED = {
    "conversation",
    "store",
    "stream",
    "background",
    "include",
    "metadata",
    "parallel_tool_calls",
    "tools",
    "context_management",
}
FIELDS = {f.name: f for f in dataclasses.fields(CreateResponseRequest)}


def test_every_field_is_read_as_sent_or_converted_and_as_sent_ones_default_to_none() -> None:
    assert set(FIELDS) - {"fields_set", "raw"} == _AS_SENT | CONVERTED and not _AS_SENT & CONVERTED
    assert all(FIELDS[name].default is None for name in _AS_SENT - {"model"})


def test_a_short_body_gets_the_defaults() -> None:
    request = CreateResponseRequest.from_body({"model": "gpt-4o", "input": "hi"})
    assert request == CreateResponseRequest(model="gpt-4o", input="hi", fields_set=frozenset({"model", "input"}))
    assert (request.store, request.stream, request.parallel_tool_calls, request.tools, request.metadata) == (
        True,
        False,
        True,
        (),
        {},
    )


def test_nulls_read_as_absent_keys_do() -> None:
    body = {name: None for name in FIELDS if name not in ("fields_set", "raw")} | {"model": "gpt-4o"}
    request = CreateResponseRequest.from_body(body)
    absent = CreateResponseRequest.from_body({"model": "gpt-4o"})
    assert dataclasses.replace(request, fields_set=absent.fields_set, raw=absent.raw) == absent
    assert request.fields_set == frozenset(body)


def test_sent_values_are_read_and_converted() -> None:
    body = {
        "model": "gpt-4o",
        "input": [{"role": "user", "content": "hi"}],
        "conversation": {"id": "conv_1"},
        "store": False,
        "stream": 1,
        "background": True,
        "include": ["reasoning.encrypted_content"],
        "metadata": {"k": "v"},
        "parallel_tool_calls": False,
        "tools": [{"type": "function", "name": "f"}],
        "context_management": [{"type": "compaction"}],
        "temperature": 0.5,
        "personality": "terse",
    }
    request = CreateResponseRequest.from_body(body)
    assert request.conversation == "conv_1" and request.store is False and request.stream is True
    assert request.background is True and request.include == ("reasoning.encrypted_content",)
    assert request.metadata == {"k": "v"} and request.metadata is not body["metadata"]
    assert request.parallel_tool_calls is False and request.tools == ({"type": "function", "name": "f"},)
    assert request.context_management == ({"type": "compaction"},)
    assert (request.temperature, request.personality, request.input) == (0.5, "terse", body["input"])
    assert CreateResponseRequest.from_body({"model": "m", "conversation": "conv_2"}).conversation == "conv_2"
