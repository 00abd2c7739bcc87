"""Bad Conversations request bodies and the exact error envelope expected back — pure data, no server imports.

No capture of a bad conversation body exists, so every row is the emulator's inference from the observed
conventions of ``POST /v1/responses`` (``tests/validation_cases.py``): the same wording families, the same
input-item rules at ``items[i]`` instead of ``input[i]``, the same metadata rules. The ``items`` array rules
(type phrase, at most 20 and its ``array_above_max_length`` wording) are [inferred] outright.

``kind`` names the endpoint: ``create`` (``POST /v1/conversations``), ``update``
(``POST /v1/conversations/{id}``) or ``items`` (``POST /v1/conversations/{id}/items``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.validation_cases import ITEM_TYPES, JSON_HINT, ROLES, err, missing, typed, unknown, value

ITEMS_TYPE = "an array of input items"


def too_many_items(count: int) -> dict[str, Any]:
    return err(
        "Invalid 'items': array too long. Expected an array with maximum length 20, "
        f"but got an array with length {count} instead.",
        "items",
        "array_above_max_length",
    )


def user(text: str = "hi") -> dict[str, Any]:
    return {"role": "user", "content": text}


@dataclass(frozen=True)
class ConversationCase:
    """One bad body for one endpoint: ``body`` is JSON-able, or raw ``bytes`` that are not JSON."""

    id: str
    kind: str
    body: Any
    error: dict[str, Any]
    status: int = 400

    def path(self, conversation_id: str) -> str:
        if self.kind == "create":
            return "/v1/conversations"
        if self.kind == "update":
            return f"/v1/conversations/{conversation_id}"
        return f"/v1/conversations/{conversation_id}/items"


def _many_metadata(n: int) -> dict[str, str]:
    return {f"k{i}": "v" for i in range(n)}


CASES: list[ConversationCase] = [
    # ---------------------------------------------------------------- not JSON, not an object
    ConversationCase("create-not-json", "create", b"{", err(JSON_HINT)),
    ConversationCase("update-not-json", "update", b"", err(JSON_HINT)),
    ConversationCase("items-not-json", "items", b"[1,", err(JSON_HINT)),
    ConversationCase(
        "create-body-is-an-array",
        "create",
        [],
        err("Invalid type for body: expected an object, but got an array instead.", None, "invalid_type"),
    ),
    ConversationCase(
        "items-body-is-a-string",
        "items",
        "hi",
        err("Invalid type for body: expected an object, but got a string instead.", None, "invalid_type"),
    ),
    # ---------------------------------------------------------------- required and unknown keys
    ConversationCase("create-unknown-parameter", "create", {"foo": 1}, unknown("foo")),
    ConversationCase(
        "create-unknown-parameter-hints-items", "create", {"item": []}, unknown("item", " Did you mean 'items'?")
    ),
    ConversationCase(
        "create-unknown-parameter-hints-metadata",
        "create",
        {"metadta": {}},
        unknown("metadta", " Did you mean 'metadata'?"),
    ),
    ConversationCase("create-model-is-unknown-here", "create", {"model": "gpt-4o"}, unknown("model")),
    ConversationCase("update-metadata-absent", "update", {}, missing("metadata")),
    ConversationCase("update-missing-beats-unknown", "update", {"foo": 1}, missing("metadata")),
    ConversationCase("update-unknown-parameter", "update", {"metadata": {}, "items": []}, unknown("items")),
    ConversationCase("items-absent", "items", {}, missing("items")),
    ConversationCase("items-missing-beats-unknown", "items", {"metadata": {}}, missing("items")),
    ConversationCase("items-unknown-parameter", "items", {"items": [user()], "metadata": {}}, unknown("metadata")),
    ConversationCase("items-no-hint-for-a-key-already-sent", "items", {"items": [], "itemz": []}, unknown("itemz")),
    # ---------------------------------------------------------------- items: type and length
    ConversationCase("create-items-a-string", "create", {"items": "hi"}, typed("items", ITEMS_TYPE, "a string")),
    ConversationCase("create-items-an-object", "create", {"items": user()}, typed("items", ITEMS_TYPE, "an object")),
    ConversationCase("items-items-null", "items", {"items": None}, typed("items", ITEMS_TYPE, "an object")),
    ConversationCase("items-items-an-integer", "items", {"items": 3}, typed("items", ITEMS_TYPE, "an integer")),
    ConversationCase("create-twenty-one-items", "create", {"items": [user()] * 21}, too_many_items(21)),
    ConversationCase("items-twenty-one-items", "items", {"items": [user()] * 21}, too_many_items(21)),
    ConversationCase("items-length-beats-a-bad-item", "items", {"items": [7] * 25}, too_many_items(25)),
    # ---------------------------------------------------------------- items: each item, the §B.3 rules
    ConversationCase(
        "create-item-not-an-object", "create", {"items": [7]}, typed("items[0]", "an input item", "an integer")
    ),
    ConversationCase(
        "create-item-bad-role", "create", {"items": [{"role": "bot", "content": "x"}]}, value("items[0]", "bot", ROLES)
    ),
    ConversationCase(
        "create-item-without-content", "create", {"items": [{"role": "user"}]}, missing("items[0].content")
    ),
    ConversationCase(
        "create-item-unknown-type",
        "create",
        {"items": [user(), {"type": "bogus"}]},
        value("items[1]", "bogus", ITEM_TYPES),
    ),
    ConversationCase(
        "items-item-unknown-member",
        "items",
        {"items": [user(), user(), {"role": "user", "content": "x", "name": "bob"}]},
        unknown("items[2].name"),
    ),
    ConversationCase(
        "items-item-text-not-a-string",
        "items",
        {"items": [{"role": "user", "content": [{"type": "input_text", "text": 1}]}]},
        typed("items[0].content[0].text", "a string", "an integer"),
    ),
    ConversationCase(
        "items-function-call-output-without-output",
        "items",
        {"items": [{"type": "function_call_output", "call_id": "call_1"}]},
        missing("items[0].output"),
    ),
    # ---------------------------------------------------------------- metadata: the responses rules
    ConversationCase(
        "create-metadata-a-string", "create", {"metadata": "x"}, typed("metadata", "a metadata object", "a string")
    ),
    ConversationCase(
        "update-metadata-an-array", "update", {"metadata": []}, typed("metadata", "a metadata object", "an array")
    ),
    ConversationCase(
        "create-metadata-seventeen-keys",
        "create",
        {"metadata": _many_metadata(17)},
        err(
            "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an "
            "object with 17 properties instead.",
            "metadata",
            "object_above_max_properties",
        ),
    ),
    ConversationCase(
        "update-metadata-value-not-a-string",
        "update",
        {"metadata": {"n": 1}},
        typed("metadata.n", "a string", "an integer"),
    ),
    ConversationCase(
        "update-metadata-value-too-long",
        "update",
        {"metadata": {"k": "x" * 513}},
        err(
            "Invalid 'metadata.k': string too long. Expected a string with maximum length 512, but got a string "
            "with length 513 instead.",
            "metadata.k",
            "string_above_max_length",
        ),
    ),
    ConversationCase(
        "create-items-are-checked-before-metadata",
        "create",
        {"metadata": "x", "items": [{"role": "bot", "content": "x"}]},
        value("items[0]", "bot", ROLES),
    ),
]
