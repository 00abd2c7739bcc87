"""One structured log line per request, the request metrics, and ``GET /metrics``.

A pure ASGI middleware (like the journal's), so streamed bodies pass through untouched and a stream's latency
is measured to its last byte. It runs inside ``OpenAIHeadersMiddleware``, so it sees the request id that one
assigns, and reads the tenant that authentication leaves in the request state: the API key itself is never
logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from fastapi import APIRouter, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import metrics

log = logging.getLogger("openai_emulator.access")

# Requests that no route matched share one label, so that scanning for random paths cannot blow up the
# number of series.
UNMATCHED_ROUTE = "<unmatched>"
# Probes and scrapes arrive every few seconds; their lines would drown the rest at INFO.
_QUIET_ROUTES = frozenset({"/health", "/metrics"})
# nginx's code for a client that went away before any response: there is no real status to report.
CLIENT_CLOSED_REQUEST = 499


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/v1/responses/{response_id}``), or ``<unmatched>``."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else UNMATCHED_ROUTE


class RequestLogMiddleware:
    """Logs ``request`` with request_id, tenant, method, route, path, status, latency_ms and stream; counts it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        outcome: dict[str, Any] = {"status": None, "stream": False}

        async def observing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/event-stream"):
                    outcome["stream"] = True
                    metrics.stream_opened()
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        except asyncio.CancelledError:
            outcome["status"] = outcome["status"] or CLIENT_CLOSED_REQUEST
            raise
        except Exception:
            outcome["status"] = outcome["status"] or 500  # what the headers middleware answers instead
            raise
        finally:
            if outcome["stream"]:
                metrics.stream_closed()
            self._finish(scope, outcome, time.perf_counter() - started)

    @staticmethod
    def _finish(scope: Scope, outcome: dict[str, Any], seconds: float) -> None:
        status = outcome["status"] if outcome["status"] is not None else CLIENT_CLOSED_REQUEST
        route = route_template(scope)
        method = scope["method"]
        metrics.observe_request(method=method, route=route, status=status, seconds=seconds)
        state = scope.get("state", {})
        log.log(
            logging.DEBUG if route in _QUIET_ROUTES else logging.INFO,
            "request",
            extra={
                "request_id": state.get("request_id"),
                "tenant": state.get("tenant"),
                "method": method,
                "route": route,
                "path": scope["path"],
                "status": status,
                "latency_ms": round(seconds * 1000, 3),
                "stream": outcome["stream"],
            },
        )


def create_router() -> APIRouter:
    """``GET /metrics``: no auth, the Prometheus text exposition format."""
    router = APIRouter()

    @router.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    return router
