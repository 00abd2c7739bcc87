"""The fast renderer writes exactly what json.dumps(indent=2, ensure_ascii=False) writes (issue 8)."""

from __future__ import annotations

import json
import math
import random
import re
import struct
from typing import Any

import orjson
import pytest

from server.api.rendering import _orjson_differs, compact_json, pretty_json

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
    assert compact_json(content) == json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def test_same_bytes_as_json_dumps_for_random_floats_of_every_magnitude() -> None:
    rng = random.Random(8)
    values: list[float] = []
    while len(values) < 20_000:
        if len(values) % 2:
            value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]  # any bit pattern
        else:
            value = rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
        if math.isfinite(value):
            values.append(value)
    fast = 0
    for value in values:  # one at a time, so that every value that orjson writes right takes the fast path
        content = {"value": value, "in_a_list": [value]}
        expected = json.dumps(content, indent=2, ensure_ascii=False).encode("utf-8")
        assert pretty_json(content) == expected, value
        compact = json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        assert compact_json(content) == compact, value
        by_orjson = orjson.dumps(content, option=orjson.OPT_INDENT_2)
        if not _orjson_differs(by_orjson):  # the check lets orjson's bytes through only when they are right
            assert by_orjson == expected, value
            fast += 1
    assert fast > len(values) // 3  # the check is not simply "always take the slow path"


def test_the_float_check_finds_exactly_what_a_plain_search_finds() -> None:
    """``_orjson_differs`` finds "e-" through "-": on any mix of the bytes that matter it must agree with
    searching for the two patterns directly (dashes before, between and after, at either end)."""
    pattern = re.compile(rb"0\.0000|[0-9]e-[0-9](?![0-9])")
    rng = random.Random(9)
    for _ in range(30_000):
        text = bytes(rng.choice(b"0.e-19x") for _ in range(rng.randint(0, 24)))
        assert _orjson_differs(text) == (pattern.search(text) is not None), text
