"""Request bodies of the Conversations endpoints (REFERENCE §A rows 8-15, §F).

The same conventions as ``POST /v1/responses``, first error wins: body not an object → a required key missing
→ unknown keys (with "Did you mean") → ``items`` (type, at most 20, then each input item by the §B.3 rules)
→ ``metadata`` (the responses rules). The order of these steps and the ``items`` type/length wording are
[inferred]: no capture of a bad conversation body exists; everything reuses the observed families.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from server.errors import item_not_found
from server.protocol.create import as_object
from server.protocol.fields import METADATA
from server.protocol.hints import did_you_mean
from server.protocol.items import check_items
from server.protocol.requests import (
    CreateConversationItemsRequest,
    CreateConversationRequest,
    UpdateConversationRequest,
)
from server.protocol.wording import array_too_long, missing, unknown, wrong_type

# "You may add up to 20 items at a time" (SDK docstrings; `maxItems: 20` in the OpenAPI spec).
MAX_ITEMS = 20
ITEMS_EXPECTED = "an array of input items"  # [inferred], modelled on "one of a string or array of input items"

CREATE_KEYS = ("items", "metadata")
UPDATE_KEYS = ("metadata",)
ITEMS_CREATE_KEYS = ("items",)

JSONObject = dict[str, Any]


def validate_conversation_create_body(body: object) -> CreateConversationRequest:
    """``POST /v1/conversations``: ``{items?: ≤20 input items, metadata?}``, both nullable."""
    obj = as_object(body)
    _check_keys(obj, CREATE_KEYS)
    items = obj.get("items")
    if items is not None:
        _check_items(items)
    metadata = obj.get("metadata")
    if metadata is not None:
        METADATA.check(metadata, "metadata")
    return CreateConversationRequest(items=_as_items(items), metadata=_as_metadata(metadata))


def validate_conversation_update_body(body: object) -> UpdateConversationRequest:
    """``POST /v1/conversations/{id}``: ``{metadata}``; the key is required, its value may be null."""
    obj = as_object(body)
    if "metadata" not in obj:
        raise missing("metadata")
    _check_keys(obj, UPDATE_KEYS)
    metadata = obj["metadata"]
    if metadata is not None:
        METADATA.check(metadata, "metadata")
    return UpdateConversationRequest(metadata=_as_metadata(metadata))


def validate_conversation_items_body(body: object) -> CreateConversationItemsRequest:
    """``POST /v1/conversations/{id}/items``: ``{items}``, required, not null, at most 20."""
    obj = as_object(body)
    if "items" not in obj:
        raise missing("items")
    _check_keys(obj, ITEMS_CREATE_KEYS)
    _check_items(obj["items"])
    return CreateConversationItemsRequest(items=_as_items(obj["items"]))


def _check_keys(obj: dict[str, object], known: Sequence[str]) -> None:
    for key in obj:
        if key not in known:
            raise unknown(key, did_you_mean(key, known, obj))


def _check_items(value: object) -> None:
    if not isinstance(value, list):
        raise wrong_type("items", ITEMS_EXPECTED, value)
    if len(value) > MAX_ITEMS:
        # Before the items themselves: the length is known without walking them [inferred order].
        raise array_too_long("items", len(value), MAX_ITEMS)
    check_items(value, "items")
    for item in value:
        # A reference with an empty id names no item: the 404 that `input` gets for it, not a 500 from the store.
        kind = item.get("type") or ("message" if "role" in item else "item_reference")
        if kind == "item_reference" and item.get("id") == "":
            raise item_not_found("")


def _as_items(value: object) -> tuple[JSONObject, ...]:
    # Only called on validated values: None, or a list of input-item objects.
    return tuple(cast(list[JSONObject], value or []))


def _as_metadata(value: object) -> dict[str, str]:
    # Null reads as "no metadata", which the Conversation object shows as {} [inferred].
    return dict(cast(dict[str, str], value or {}))
