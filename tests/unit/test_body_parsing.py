"""The request body parser (orjson first, the strict standard-library parse for what orjson refuses) reads
every body exactly as the strict standard-library parse alone does: the same value, or the same 400."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.errors import InvalidRequestError
from server.protocol.create import JSON_PARSE_ERROR, MAX_JSON_DEPTH, _parse_strictly, _too_deep, parse_json_body

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec=None, exclude_categories=())),  # lone surrogates included
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=12,
)


def strict_parse(raw: bytes) -> object:
    """The parser as it was before orjson: the standard library's strict parse, then the depth limit."""
    value = _parse_strictly(raw)
    if _too_deep(value, MAX_JSON_DEPTH):
        raise InvalidRequestError(JSON_PARSE_ERROR)
    return value


def _outcome(parse: object, raw: bytes) -> str:
    try:
        return "value " + repr(parse(raw))  # type: ignore[operator]
    except InvalidRequestError as exc:
        return f"error {exc.status_code} {exc.message}"


def _encoded(value: object, *, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")


@settings(max_examples=400, derandomize=True, deadline=None, database=None)
@given(value=JSON_VALUES, ascii_only=st.booleans())
def test_valid_bodies_read_the_same_as_the_strict_parse(value: object, ascii_only: bool) -> None:
    raw = _encoded(value, ascii_only=ascii_only)
    assert _outcome(parse_json_body, raw) == _outcome(strict_parse, raw)


@settings(max_examples=400, derandomize=True, deadline=None, database=None)
@given(value=JSON_VALUES, cut=st.integers(min_value=0), junk=st.binary(max_size=3))
def test_broken_bodies_read_the_same_as_the_strict_parse(value: object, cut: int, junk: bytes) -> None:
    raw = _encoded(value, ascii_only=True)
    raw = raw[: cut % (len(raw) + 1)] + junk
    assert _outcome(parse_json_body, raw) == _outcome(strict_parse, raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"NaN",
        b"[Infinity]",
        b"1e999",
        b"[-1e400]",
        b"1" + b"0" * 400,
        b"-9223372036854775809",
        b"18446744073709551616",
        b'"\\ud800"',
        b"\xef\xbb\xbf{}",
        b"\xff",
        b"",
        b'{"a": 1, "a": 2}',
        b"[" * 129 + b"]" * 129,
        b"[" * 2000 + b"]" * 2000,
        b'{"x": -0, "y": -0.0, "z": 1E5}',
    ],
)
def test_edge_cases_read_the_same_as_the_strict_parse(raw: bytes) -> None:
    assert _outcome(parse_json_body, raw) == _outcome(strict_parse, raw)
