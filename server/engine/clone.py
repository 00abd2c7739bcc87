"""Deep copies of JSON values, fast: the engine copies the Response and its items at every event."""

from __future__ import annotations

import copy
from typing import Any, TypeVar

import orjson

T = TypeVar("T")


def clone(value: T) -> T:
    """A deep copy of a JSON value (dicts, lists, strings, numbers, booleans, None), key order kept.

    orjson's round trip: measured ~7x faster than ``copy.deepcopy`` on a Response (5 us against 34 us), which
    a profile of the non-streaming create showed to be its largest cost (issue 8). Floats come back exact.
    What orjson refuses (lone surrogates, integers over 64 bits, non-string keys) falls back to
    ``copy.deepcopy``. Values here are JSON: no NaN (request parsing rejects it, the engine makes none), no
    tuples.
    """
    try:
        copied: T = orjson.loads(orjson.dumps(value))
    except (TypeError, orjson.JSONDecodeError):
        return copy.deepcopy(value)
    return copied


def clone_item(item: dict[str, Any]) -> dict[str, Any]:
    """``clone`` of an output item. A message that opens empty has no nested value but its content list, so
    a shallow copy with a list of its own is a deep one, ~4x cheaper (every response opens one, issue 8)."""
    if item.get("type") == "message" and item.get("content") == []:
        return {**item, "content": []}
    return clone(item)
