"""The request-body size limit: a 413 in the OpenAI envelope, without ever buffering an oversized body.

A pure ASGI middleware. A ``Content-Length`` over the limit is answered at once, before a byte of the body is
read; a body without one (chunked) is counted as it arrives, and reading stops at the first chunk that goes
over: ``receive`` raises ``PayloadTooLargeError``, which the app's error handler renders like any other API
error (or this middleware does, if it escapes before a response has started). The rest of the body is never
read; the server closes the connection after the answer.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import PayloadTooLargeError


def payload_too_large(limit: int) -> PayloadTooLargeError:
    # [inferred] wording: the real API's edge answers oversized bodies with a plain 413; the emulator keeps the
    # envelope every SDK parses, and says what the limit is.
    return PayloadTooLargeError(f"The request body is too large: the limit is {limit} bytes.", code="request_too_large")


class BodyLimitMiddleware:
    """Answers a 413 to request bodies larger than ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_error(send, payload_too_large(limit))
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise payload_too_large(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except PayloadTooLargeError as exc:
            if started:
                raise
            await _send_error(send, exc)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server (uvicorn) rejects a malformed Content-Length before the app runs
    return None


async def _send_error(send: Send, exc: PayloadTooLargeError) -> None:
    body = json.dumps(exc.envelope(), indent=2).encode()
    await send(
        {
            "type": "http.response.start",
            "status": exc.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),  # the rest of the body is never read
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
