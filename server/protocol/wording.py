"""The real API's error wording: paths, type names, value lists and the error constructors.

Conventions (REFERENCE §B.2, observed unless a function says otherwise):

* missing   → ``Missing required parameter: '<path>'.``                          ``missing_required_parameter``
* unknown   → ``Unknown parameter: '<path>'.``                                   ``unknown_parameter``
* type      → ``Invalid type for '<path>': expected <x>, but got <y> instead.``  ``invalid_type``
* enum      → ``Invalid value: '<v>'. Supported values are: 'a', 'b', and 'c'.`` ``invalid_value``
* ranges    → ``Invalid '<path>': integer below minimum value. …``               ``integer_below_min_value`` …
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from server.errors import InvalidRequestError


class _Missing:
    """Sentinel for "key absent", distinct from JSON null."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


# ---------------------------------------------------------------------------------------------- paths


def join(path: str, key: str) -> str:
    """``reasoning`` + ``effort`` → ``reasoning.effort``; the empty path is the body itself."""
    return f"{path}.{key}" if path else key


def at(path: str, index: int) -> str:
    """``input`` + 0 → ``input[0]``."""
    return f"{path}[{index}]"


# ---------------------------------------------------------------------------------------------- wording


def kind_of(value: object, path: str = "") -> str:
    """How the API names a JSON value's type in ``but got … instead``.

    JSON ``null`` reads "an object" for object members (observed for top-level ``model``/``input``) but "null"
    for array elements (observed for ``input[0]``). For null members of nested objects the top-level rule is
    assumed [inferred].
    """
    if value is None:
        return "null" if path.endswith("]") else "an object"
    if value is True or value is False:
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def quoted(values: Iterable[str]) -> list[str]:
    return [f"'{v}'" for v in values]


def listing(values: Sequence[str], conjunction: str) -> str:
    """``'a' and 'b'`` / ``'a', 'b', and 'c'`` (the API's Oxford-comma lists)."""
    items = quoted(values)
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {conjunction} {items[1]}"
    return f"{', '.join(items[:-1])}, {conjunction} {items[-1]}"


def number_text(value: float) -> str:
    """Bounds print without a trailing ``.0`` (``Expected a value <= 2``); sent values print as sent."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------------------------------------- errors


def missing(path: str) -> InvalidRequestError:
    return InvalidRequestError(f"Missing required parameter: '{path}'.", param=path, code="missing_required_parameter")


def unknown(path: str, hint: str = "") -> InvalidRequestError:
    return InvalidRequestError(f"Unknown parameter: '{path}'.{hint}", param=path, code="unknown_parameter")


def wrong_type(path: str, expected: str, value: object) -> InvalidRequestError:
    return InvalidRequestError(
        f"Invalid type for '{path}': expected {expected}, but got {kind_of(value, path)} instead.",
        param=path,
        code="invalid_type",
    )


def bad_value(param: str, value: object, supported: Sequence[str]) -> InvalidRequestError:
    # A non-string value where a string enum was expected is shown as '' (observed for input[0].type: 7).
    shown = value if isinstance(value, str) else ""
    return InvalidRequestError(
        f"Invalid value: '{shown}'. Supported values are: {listing(supported, 'and')}.",
        param=param,
        code="invalid_value",
    )


def out_of_range(path: str, value: float, bound: float, *, integer: bool, below: bool) -> InvalidRequestError:
    # Integer wording is observed (max_output_tokens, max_tool_calls); the "above" and decimal variants are
    # the same family [inferred].
    noun = "integer" if integer else "decimal"
    side, op = ("below minimum", ">=") if below else ("above maximum", "<=")
    return InvalidRequestError(
        f"Invalid '{path}': {noun} {side} value. Expected a value {op} {number_text(bound)}, but got {value} instead.",
        param=path,
        code=f"{noun}_{'below_min' if below else 'above_max'}_value",
    )


def too_long(path: str, length: int, maximum: int) -> InvalidRequestError:
    # The real API's wording for maxLength violations on other endpoints; applied here by analogy [inferred].
    return InvalidRequestError(
        f"Invalid '{path}': string too long. Expected a string with maximum length {maximum}, "
        f"but got a string with length {length} instead.",
        param=path,
        code="string_above_max_length",
    )


def no_match(path: str, pattern: str) -> InvalidRequestError:
    # Observed verbatim for function-tool names (`tools[4].name`, code invalid_value).
    return InvalidRequestError(
        f"Invalid '{path}': string does not match pattern. Expected a string that matches the pattern '{pattern}'.",
        param=path,
        code="invalid_value",
    )


def array_too_long(path: str, length: int, maximum: int) -> InvalidRequestError:
    # The maxItems member of the maxLength family above (`items` of the conversation endpoints: at most 20)
    # [inferred] wording and code.
    return InvalidRequestError(
        f"Invalid '{path}': array too long. Expected an array with maximum length {maximum}, "
        f"but got an array with length {length} instead.",
        param=path,
        code="array_above_max_length",
    )
