"""JSON as the real API sends it: pretty-printed with two spaces (REFERENCE §C.1), errors included."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from fastapi.responses import Response
from starlette.types import Send

from server.errors import APIError


class PrettyJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return pretty_json(content)


# Where orjson writes a float otherwise than json.dumps (checked over 300,000 random floats, see the test):
# below 1e-4 it writes decimals ("0.00001", Python "1e-05"), and one-digit negative exponents ("1e-7", Python
# "1e-07"). Both are found with substring searches first: a regex over every body cost more than the
# rendering itself (18 us against 1.2 us for a Response). A false match inside a string only costs the slow
# path.
_SHORT_NEGATIVE_EXPONENT = re.compile(rb"[0-9]e-[0-9](?![0-9])")


def _orjson_differs(rendered: bytes) -> bool:
    if b"0.0000" in rendered:
        return True
    # "e-" is looked for through its "-", which bytes.find meets by memchr: a body holds few of them (a model
    # snapshot's date), and searching for the pair itself took twice as long over a 2 KB body (issue 8).
    at = rendered.find(b"-")
    while at != -1:
        if rendered[at - 1] == 0x65:  # the first "e-": no match of the pattern can start before it
            return _SHORT_NEGATIVE_EXPONENT.search(rendered, max(at - 2, 0)) is not None
        at = rendered.find(b"-", at + 1)
    return False


def pretty_json(content: Any) -> bytes:
    """``json.dumps(content, indent=2, ensure_ascii=False)`` in UTF-8, byte for byte, mostly done by orjson.

    orjson's OPT_INDENT_2 writes the same layout, key order and raw non-ASCII text (measured ~20x faster than
    the pure-Python indenting encoder); what it writes differently (some small floats) or refuses (non-string
    keys, integers over 64 bits) falls back to json.dumps. NaN never gets here: request parsing rejects it and
    the engine makes none.
    """
    try:
        rendered = orjson.dumps(content, option=orjson.OPT_INDENT_2)
    except TypeError:
        rendered = b""
    if rendered and not _orjson_differs(rendered):
        return rendered
    return json.dumps(content, indent=2, ensure_ascii=False).encode("utf-8")


def compact_json(content: Any) -> bytes:
    """``json.dumps(content, separators=(",", ":"), ensure_ascii=False)`` in UTF-8, byte for byte, the same
    way as ``pretty_json`` (an SSE frame's data: measured 9% of a streamed reply's server time)."""
    try:
        rendered = orjson.dumps(content)
    except TypeError:
        rendered = b""
    if rendered and not _orjson_differs(rendered):
        return rendered
    return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def send_json(send: Send, content: Any) -> None:
    """A 200 with ``content`` as ``PrettyJSONResponse`` sends it (same headers, same order), straight to the
    ASGI ``send``: building a Starlette Response for it was ~5% of a retrieve (issue 8's profile)."""
    body = pretty_json(content)
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def error_response(error: APIError) -> PrettyJSONResponse:
    return PrettyJSONResponse(error.envelope(), status_code=error.status_code, headers=error.headers)
