"""One structured log line per request, the request metrics, and ``GET /metrics``.

``server.api.front`` calls ``log_request`` when a request ends (a stream: at its last byte). The line has the
request id the front assigned and the tenant that authentication left in the request state: the API key
itself is never logged.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from starlette.types import Scope

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


def log_request(scope: Scope, status: int | None, stream: bool, seconds: float) -> None:
    """Count one finished request, record its latency, and write its log line (``request``)."""
    status = status if status is not None else CLIENT_CLOSED_REQUEST
    route = route_template(scope)
    method = scope["method"]
    metrics.observe_request(method=method, route=route, status=status, seconds=seconds)
    level = logging.DEBUG if route in _QUIET_ROUTES else logging.INFO
    if not log.isEnabledFor(level):
        return
    state = scope.get("state", {})
    log.log(
        level,
        "request",
        extra={
            "request_id": state.get("request_id"),
            "tenant": state.get("tenant"),
            "method": method,
            "route": route,
            "path": scope["path"],
            "status": status,
            "latency_ms": round(seconds * 1000, 3),
            "stream": stream,
        },
    )


def create_router() -> APIRouter:
    """``GET /metrics``: no auth, the Prometheus text exposition format."""
    router = APIRouter()

    @router.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    return router
