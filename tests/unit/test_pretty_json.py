"""The fast renderer writes exactly what json.dumps(indent=2, ensure_ascii=False) writes (issue 8)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.api.rendering import pretty_json

CASES: list[Any] = [
    {"id": "resp_1", "output": [], "metadata": {}, "text": 'héllo \u2028 😀 \x01\x7f "q" \\ \n\t'},
    {"temperature": 1.0, "top_p": 0.25, "n": None, "ok": True, "nested": [[], {}, [{"a": [1, 2]}]]},
    {"logprob": -1.2e-05, "tiny": 3e-7, "big": 1e16, "bigger": -2.5e22, "edge": 0.0001, "edge2": 9.99e15},
    {"int": 2**70, "neg": -(2**64)},
    {1: "non-string key", None: 2},
    {"text": "a string that looks like a number: 1e5 or 0.00001"},
    [1, 2.5, "x"],
    "just a string",
]


@pytest.mark.parametrize("content", CASES)
def test_same_bytes_as_json_dumps(content: Any) -> None:
    assert pretty_json(content) == json.dumps(content, indent=2, ensure_ascii=False).encode("utf-8")
