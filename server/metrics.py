"""Prometheus metrics of the emulator process, served at ``GET /metrics``.

``prometheus_client`` rather than hand-written counters: it has no dependencies of its own, and it gets the
parts that are easy to get subtly wrong right (label escaping, cumulative ``_bucket``/``_sum``/``_count``
histogram series with ``le="+Inf"``, ``# HELP``/``# TYPE`` lines, thread-safe updates), and it adds the
standard ``process_*`` and ``python_*`` series that dashboards expect, for free. The two series every request
updates are counted by ``RequestCollector`` and handed to the library only when scraped.

Like every Prometheus client library, the counts are per process: each replica exposes its own, and the
scraper adds them up. The metrics live in one registry of the module (not the default global one), so an
application that embeds the emulator (the pytest plugin does) and uses ``prometheus_client`` itself never
sees a duplicate-name clash.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Gauge,
    generate_latest,
)
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

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

# The default buckets stop at 10 s; paced streams and demos run longer.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class RequestCollector(Collector):
    """The request counter and latency histogram, kept as plain numbers and made into metric families when
    scraped.

    Every request updates both; through ``prometheus_client``'s Counter and Histogram that took a lock per
    value (the count, the sum, a bucket) and cost ~16,000 instructions a request, ~1.7% of a create (issue
    8). Here an update is a few list operations. The exposition is the same series the library's Counter
    and Histogram write (``_total``, ``_created``, cumulative ``_bucket`` with ``le="+Inf"``, ``_count``,
    ``_sum``). Updates come only from the event loop's thread (``server.api.front``), and a scrape runs on it
    too, so no lock is needed.
    """

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int], list[float]] = {}  # (method, route, status) -> [count, created]
        # (method, route) -> [count per bucket (not cumulative)..., count past the last bound, sum, created]
        self._latencies: dict[tuple[str, str], list[float]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        count = self._counts.get((method, route, status))
        if count is None:
            count = self._counts[(method, route, status)] = [0, time.time()]
        count[0] += 1
        latency = self._latencies.get((method, route))
        if latency is None:
            latency = self._latencies[(method, route)] = [0] * (len(LATENCY_BUCKETS) + 1) + [0.0, time.time()]
        latency[bisect_left(LATENCY_BUCKETS, seconds)] += 1  # the first bound >= seconds: "le"
        latency[-2] += seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "openai_emulator_requests",
            "HTTP requests answered, by method, route template and status code.",
            labels=["method", "route", "status"],
        )
        for (method, route, status), (count, created) in list(self._counts.items()):
            requests.add_metric([method, route, str(status)], count, created=created)
        yield requests
        name = "openai_emulator_request_duration_seconds"
        latency = HistogramMetricFamily(
            name,
            "Time from the request's arrival to the end of its response (the whole stream for SSE).",
            labels=["method", "route"],
        )
        created_samples = []
        for (method, route), values in list(self._latencies.items()):
            buckets, cumulative = [], 0.0
            for bound, count in zip((*map(str, LATENCY_BUCKETS), "+Inf"), values[:-2], strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            latency.add_metric([method, route], buckets, sum_value=values[-2])
            created_samples.append(Sample(f"{name}_created", {"method": method, "route": route}, values[-1]))
        latency.samples.extend(created_samples)
        yield latency


_REQUESTS = RequestCollector()
REGISTRY.register(_REQUESTS)
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


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    """Count one finished request and record its latency (label sets stay few: routes are templates)."""
    _REQUESTS.observe(method, route, status, seconds)


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
