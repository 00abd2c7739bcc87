"""Query strings of the GET endpoints, and path-id checks.

Input is the raw ``(name, value)`` pairs (Starlette's ``request.query_params.multi_items()``). Unknown names
are ignored, as the real API ignores unknown query parameters (the SDK's beta paths add ``beta=true``). The
SDK sends arrays as ``include[]=a&include[]=b``; plain ``include=a`` is accepted too. For a scalar given more
than once the last value wins, as with Starlette's ``query_params[name]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from server.errors import InvalidRequestError
from server.protocol.fields import INCLUDABLE
from server.protocol.requests import ListQuery, RetrieveQuery
from server.protocol.wording import bad_value, out_of_range, wrong_type

_INTEGER = re.compile(r"-?[0-9]+")
_ORDERS: tuple[Literal["asc"], Literal["desc"]] = ("asc", "desc")


def _collect(params: Iterable[tuple[str, str]]) -> tuple[list[str], dict[str, str]]:
    include: list[str] = []
    scalars: dict[str, str] = {}
    for name, value in params:
        if name in ("include[]", "include"):
            include.append(value)
        else:
            scalars[name] = value
    return include, scalars


def _include(values: list[str]) -> tuple[str, ...]:
    for i, value in enumerate(values):
        if value not in INCLUDABLE:
            # Same message as the body's include check; param `include[i]` by analogy [inferred].
            raise bad_value(f"include[{i}]", value, INCLUDABLE)
    return tuple(values)


def _boolean(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    if raw == "true":
        return True
    if raw == "false":
        return False
    # [inferred] wording: the API rejects e.g. `stream=1` ("cannot parse stream as boolean", ISS
    # openai-php/client#713) but no verbatim 2026 capture exists.
    raise InvalidRequestError(
        f"Invalid value for '{name}': expected a boolean (true or false), but got '{raw}' instead.",
        param=name,
        code="invalid_value",
    )


def _integer(name: str, raw: str | None, *, minimum: int, maximum: int | None = None) -> int | None:
    if raw is None:
        return None
    if not _INTEGER.fullmatch(raw):
        raise wrong_type(name, "an integer", raw)  # "…but got a string instead." [inferred for queries]
    value = int(raw)
    if value < minimum:
        raise out_of_range(name, value, minimum, integer=True, below=True)
    if maximum is not None and value > maximum:
        raise out_of_range(name, value, maximum, integer=True, below=False)
    return value


def parse_retrieve_query(params: Iterable[tuple[str, str]]) -> RetrieveQuery:
    """``GET /v1/responses/{id}``: ``include[]``, ``include_obfuscation``, ``starting_after``, ``stream``."""
    include, scalars = _collect(params)
    return RetrieveQuery(
        include=_include(include),
        include_obfuscation=_boolean("include_obfuscation", scalars.get("include_obfuscation"), True),
        starting_after=_integer("starting_after", scalars.get("starting_after"), minimum=0),
        stream=_boolean("stream", scalars.get("stream"), False),
    )


def parse_list_query(params: Iterable[tuple[str, str]]) -> ListQuery:
    """Cursor-paginated lists: ``after``, ``include[]``, ``limit`` (1–100, default 20), ``order`` (default desc)."""
    include, scalars = _collect(params)
    limit = _integer("limit", scalars.get("limit"), minimum=1, maximum=100)
    order = scalars.get("order", "desc")
    if order not in _ORDERS:
        raise bad_value("order", order, _ORDERS)  # `Invalid value: 'x'. Supported values are: 'asc' and 'desc'.`
    return ListQuery(
        after=scalars.get("after") or None,
        include=_include(include),
        limit=20 if limit is None else limit,
        order="asc" if order == "asc" else "desc",
    )


def check_id(value: str, *, param: str, prefix: str) -> None:
    """Reject a path id that cannot be one of ours, e.g. ``GET /v1/responses/foo`` (400, ``invalid_value``).

    Wording as mirrored by other OpenAI-compatible servers (vLLM, SGLang) [inferred for the real API].
    """
    if not value.startswith(prefix):
        raise InvalidRequestError(
            f"Invalid '{param}': '{value}'. Expected an ID that begins with '{prefix}'.",
            param=param,
            code="invalid_value",
        )
