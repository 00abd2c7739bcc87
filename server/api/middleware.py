"""Headers every real API response carries, and the last line of defence against a 500 without an envelope.

A pure ASGI middleware (not BaseHTTPMiddleware) so streaming bodies pass through untouched.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.engine.ids import IdFactory
from server.engine.ratelimit import RateLimiter
from server.errors import INTERNAL_ERROR_MESSAGE, ServerError

log = logging.getLogger("openai_emulator.http")

OPENAI_VERSION = "2020-10-01"
# Static until rate limiting is emulated: generous limits, nothing used.
_RATE_LIMIT_HEADERS = (
    (b"x-ratelimit-limit-requests", b"10000"),
    (b"x-ratelimit-limit-tokens", b"30000000"),
    (b"x-ratelimit-remaining-requests", b"9999"),
    (b"x-ratelimit-remaining-tokens", b"29999000"),
    (b"x-ratelimit-reset-requests", b"6ms"),
    (b"x-ratelimit-reset-tokens", b"2ms"),
)


class OpenAIHeadersMiddleware:
    """Adds ``x-request-id``, ``openai-processing-ms``, ``openai-version`` and rate-limit headers."""

    def __init__(self, app: ASGIApp, *, ids: IdFactory, limiter: RateLimiter | None = None) -> None:
        self.app = app
        self.ids = ids
        self.limiter = limiter if limiter is not None and limiter.enabled else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self.ids.new("req")
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                elapsed = int((time.perf_counter() - started) * 1000)
                headers: list[Any] = list(message.get("headers", []))
                headers += [
                    (b"x-request-id", request_id.encode()),
                    (b"openai-processing-ms", str(elapsed).encode()),
                    (b"openai-version", OPENAI_VERSION.encode()),
                    (b"openai-organization", b"user-emulator"),
                    (b"access-control-expose-headers", b"X-Request-ID"),
                    *self._rate_limit_headers(scope, headers),
                ]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error request_id=%s path=%s", request_id, scope.get("path"))
            if response_started:
                raise  # nothing more can be said on this connection
            body = json.dumps(ServerError(INTERNAL_ERROR_MESSAGE).envelope(), indent=2).encode()
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})

    def _rate_limit_headers(self, scope: Scope, already: list[Any]) -> list[tuple[bytes, bytes]]:
        """The tenant's live quota when limits are on (unless a 429 already set them), else the static ones."""
        tenant = scope.get("state", {}).get("tenant")
        if self.limiter is None or tenant is None:
            return list(_RATE_LIMIT_HEADERS)
        present = {name for name, _ in already}
        return [
            (name.encode(), value.encode())
            for name, value in self.limiter.headers(tenant).items()
            if name.encode() not in present
        ]
