"""What happens around every HTTP request, in one pure ASGI layer (``ApiFront``): the request id and the real
API's headers, the request-body size limit, the log line and metrics, and the request journal; and the
last-resort error answer (``LastResort`` inside FastAPI's stack; ``ApiFront`` itself for the hot routes, which
skip FastAPI, so that they need no second wrapper of ``send``).

These were four middlewares, each wrapping ``send`` and ``receive`` again; a profile of the benchmark put the
stack at about a fifth of a retrieve (issue 8), so they are one layer with one wrapper of each. The order
of their effects is unchanged: the headers are outermost (a 413 or a 500 still carries the request id, and
the log line sees the final status), the limit is innermost (it is enforced on the bytes the route reads).

Pure ASGI (not BaseHTTPMiddleware), so streamed bodies pass through untouched and a stream's latency is
measured to its last byte.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import metrics
from server.api.body_limit import content_length, payload_too_large
from server.api.journal import JournalWriter, journal_entry
from server.api.middleware import OPENAI_VERSION, static_rate_limit_headers
from server.api.observability import CLIENT_CLOSED_REQUEST, log_request
from server.engine.ids import Clock, IdFactory
from server.engine.ratelimit import RateLimiter
from server.errors import INTERNAL_ERROR_MESSAGE, APIError, PayloadTooLargeError, ServerError

log = logging.getLogger("openai_emulator.http")

_EVENT_STREAM = b"text/event-stream"
_CONSTANT_HEADERS = (
    (b"openai-version", OPENAI_VERSION.encode()),
    (b"openai-organization", b"user-emulator"),
    (b"access-control-expose-headers", b"X-Request-ID"),
)


class ApiFront:
    """Wraps ``app`` (the routes) with everything every request gets; see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        ids: IdFactory,
        clock: Clock,
        max_body_bytes: int,
        journal: Callable[[], JournalWriter | None],
        journal_body_limit: int,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self._ids = ids
        self._clock = clock
        self._max_body_bytes = max_body_bytes
        self._journal = journal
        self._journal_body_limit = journal_body_limit
        self._limiter = limiter if limiter is not None and limiter.enabled else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = self._ids.new("req")
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        limit = self._max_body_bytes
        declared = content_length(scope)
        writer = self._journal() if scope["path"].startswith("/v1/") else None
        journal_limit = self._journal_body_limit
        request_body = bytearray()
        head = bytearray()
        outcome: dict[str, Any] = {"status": None, "stream": False}
        received = 0

        async def front_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise payload_too_large(limit)
                if writer is not None and len(request_body) <= journal_limit:
                    request_body.extend(chunk)
            return message

        async def front_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                headers: list[Any] = list(message.get("headers", []))
                for name, value in headers:
                    if name == b"content-type":
                        if value.startswith(_EVENT_STREAM):
                            outcome["stream"] = True
                            metrics.stream_opened()
                        break
                elapsed = int((time.perf_counter() - started) * 1000)
                headers += (
                    (b"x-request-id", request_id.encode()),
                    (b"openai-processing-ms", str(elapsed).encode()),
                )
                headers += _CONSTANT_HEADERS
                headers += self._rate_limit_headers(state, headers)
                message["headers"] = headers
            elif writer is not None and message["type"] == "http.response.body" and len(head) <= journal_limit:
                head.extend(message.get("body", b""))
            await send(message)

        try:
            if declared is not None and declared > limit:
                await send_error(front_send, payload_too_large(limit))
            else:
                await self.app(scope, front_receive, front_send)
        except asyncio.CancelledError:
            outcome["status"] = outcome["status"] or CLIENT_CLOSED_REQUEST
            raise
        except Exception as exc:
            # The last resort of the hot routes, which the app calls without ``LastResort`` (a wrapper of
            # ``send`` per request); for the others, what escaped their own ``LastResort`` once it had started.
            error = last_resort_error(scope, exc)  # (logged, unless an APIError)
            if outcome["status"] is not None:
                raise  # too late for an answer: the server closes the connection
            await send_error(front_send, error)
        finally:
            if outcome["stream"]:
                metrics.stream_closed()
            log_request(scope, outcome["status"], outcome["stream"], time.perf_counter() - started)
            tenant = state.get("tenant")
            if writer is not None and tenant is not None:
                writer.add(
                    journal_entry(
                        scope,
                        tenant,
                        bytes(request_body),
                        status=outcome["status"],
                        head=bytes(head),
                        stream=outcome["stream"],
                        started=started,
                        at=self._clock.now(),
                        body_limit=journal_limit,
                    )
                )

    def _rate_limit_headers(self, state: dict[str, Any], already: list[Any]) -> list[tuple[bytes, bytes]]:
        """The tenant's live quota when limits are on (unless a 429 already set them), else the static ones."""
        tenant = state.get("tenant")
        if self._limiter is None or tenant is None:
            return static_rate_limit_headers()
        present = {name for name, _ in already}
        return [
            (name.encode(), value.encode())
            for name, value in self._limiter.headers(tenant).items()
            if name.encode() not in present
        ]


class LastResort:
    """Answers what a route let escape: an ``APIError`` as its envelope, anything else as the real 500 (logged).

    Once a response has started nothing more can be said on the connection, and the error goes on up.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as exc:
            if started:
                raise  # ApiFront logs it
            await send_error(send, last_resort_error(scope, exc))


def last_resort_error(scope: Scope, exc: Exception) -> APIError:
    """What a request answers to an exception no handler took: an ``APIError`` as itself (e.g. the size limit,
    raised by ``receive`` outside any route's handling), anything else as the real 500, logged."""
    if isinstance(exc, APIError):
        return exc
    request_id = scope.get("state", {}).get("request_id")
    log.error("unhandled error request_id=%s path=%s", request_id, scope.get("path"), exc_info=exc)
    return ServerError(INTERNAL_ERROR_MESSAGE)


async def send_error(send: Send, error: APIError) -> None:
    """``error`` as a complete JSON response (a 413 also closes the connection: the body is never read)."""
    body = json.dumps(error.envelope(), indent=2).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in error.headers.items()]
    if isinstance(error, PayloadTooLargeError):
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
