"""The request-body size limit: a 413 in the OpenAI envelope, without ever buffering an oversized body.

Enforced by ``server.api.front``. A ``Content-Length`` over the limit is answered at once, before a byte of
the body is read; a body without one (chunked) is counted as it arrives, and reading stops at the first chunk
that goes over: ``receive`` raises ``PayloadTooLargeError``, which the route's error handling renders like any
other API error (or the front does, if it escapes before a response has started). The rest of the body is
never read; the server closes the connection after the answer.
"""

from __future__ import annotations

from starlette.types import Scope

from server.errors import PayloadTooLargeError


def payload_too_large(limit: int) -> PayloadTooLargeError:
    # [inferred] wording: the real API's edge answers oversized bodies with a plain 413; the emulator keeps the
    # envelope every SDK parses, and says what the limit is.
    return PayloadTooLargeError(f"The request body is too large: the limit is {limit} bytes.", code="request_too_large")


def content_length(scope: Scope) -> int | None:
    """The request's declared ``Content-Length``, if any."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server (uvicorn) rejects a malformed Content-Length before the app runs
    return None
