"""Prometheus metrics of the emulator process, served at ``GET /metrics``.

``prometheus_client`` rather than hand-written counters: it has no dependencies of its own, and it gets the
parts that are easy to get subtly wrong right (label escaping, cumulative ``_bucket``/``_sum``/``_count``
histogram series with ``le="+Inf"``, ``# HELP``/``# TYPE`` lines, thread-safe updates), and it adds the
standard ``process_*`` and ``python_*`` series that dashboards expect, for free.

Like every Prometheus client library, the counts are per process: each replica exposes its own, and the
scraper adds them up. The metrics live in one registry of the module (not the default global one), so an
application that embeds the emulator (the pytest plugin does) and uses ``prometheus_client`` itself never
sees a duplicate-name clash.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = [
    "BACKGROUND_JOB_STATES",
    "CONTENT_TYPE",
    "REGISTRY",
    "exposition",
    "observe_request",
    "set_background_jobs",
    "stream_closed",
    "stream_opened",
]

REGISTRY = CollectorRegistry(auto_describe=True)
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

CONTENT_TYPE = CONTENT_TYPE_LATEST

# The states a background response goes through; each is exported (at zero until set) so that dashboards
# and alerts see every series from the first scrape.
BACKGROUND_JOB_STATES = ("queued", "in_progress", "completed", "failed", "cancelled", "incomplete")

_REQUESTS = Counter(
    "openai_emulator_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
_LATENCY = Histogram(
    "openai_emulator_request_duration_seconds",
    "Time from the request's arrival to the end of its response (the whole stream for SSE).",
    ["method", "route"],
    # The default buckets stop at 10 s; paced streams and demos run longer.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
    registry=REGISTRY,
)
_STREAMS_OPEN = Gauge(
    "openai_emulator_streams_open",
    "Server-sent event streams being written right now.",
    registry=REGISTRY,
)
_BACKGROUND_JOBS = Gauge(
    "openai_emulator_background_jobs",
    "Background responses by state.",
    ["state"],
    registry=REGISTRY,
)
_CHAIN_CACHE_ITEMS = Gauge(
    "openai_emulator_chain_cache_items",
    "Items held by the chain-context cache, counted per kept context (bounded by chain_cache_items).",
    registry=REGISTRY,
)
for _state in BACKGROUND_JOB_STATES:
    _BACKGROUND_JOBS.labels(state=_state).set(0)


# Labelled children by label values: ``labels()`` validates and looks them up on every call, a measurable part
# of a fast request. Bounded: routes are templates, methods and statuses few.
_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    """Count one finished request and record its latency."""
    key = (method, route, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        children = _REQUEST_CHILDREN[key] = (
            _REQUESTS.labels(method=method, route=route, status=str(status)),
            _LATENCY.labels(method=method, route=route),
        )
    children[0].inc()
    children[1].observe(seconds)


def stream_opened() -> None:
    _STREAMS_OPEN.inc()


def stream_closed() -> None:
    _STREAMS_OPEN.dec()


def set_chain_cache_items(count: int) -> None:
    _CHAIN_CACHE_ITEMS.set(count)


def set_background_jobs(state: str, count: int) -> None:
    """Report how many background responses are in ``state`` now (called by whoever counts them)."""
    _BACKGROUND_JOBS.labels(state=state).set(count)


def exposition() -> bytes:
    """The registry in the Prometheus text exposition format."""
    return generate_latest(REGISTRY)
