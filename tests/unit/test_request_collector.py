"""The request collector (server.metrics) exposes what prometheus_client's Counter and Histogram would."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from server.metrics import LATENCY_BUCKETS, RequestCollector

OBSERVATIONS = [
    ("POST", "/v1/responses", 200, 0.004),
    ("POST", "/v1/responses", 200, 0.005),  # exactly on a bound: counted in that bucket ("le")
    ("POST", "/v1/responses", 400, 0.0051),
    ("GET", "/v1/responses/{response_id}", 200, 301.0),  # past the last bound: only in +Inf
    ("GET", "/v1/responses/{response_id}", 404, 0.0),
]


def samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample but the ``_created`` timestamps (which differ between any two registries)."""
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.name.endswith("_created")
    }


def test_the_collector_exposes_the_series_of_a_counter_and_a_histogram() -> None:
    ours, reference = CollectorRegistry(), CollectorRegistry()
    collector = RequestCollector()
    ours.register(collector)
    counter = Counter("openai_emulator_requests", "help", ["method", "route", "status"], registry=reference)
    histogram = Histogram(
        "openai_emulator_request_duration_seconds",
        "help",
        ["method", "route"],
        buckets=LATENCY_BUCKETS,
        registry=reference,
    )
    for method, route, status, seconds in OBSERVATIONS:
        collector.observe(method, route, status, seconds)
        counter.labels(method=method, route=route, status=str(status)).inc()
        histogram.labels(method=method, route=route).observe(seconds)

    assert samples(ours) == samples(reference)
    assert (
        samples(ours)[
            (
                "openai_emulator_request_duration_seconds_bucket",
                (("le", "0.005"), ("method", "POST"), ("route", "/v1/responses")),
            )
        ]
        == 2
    )


def test_created_timestamps_are_exposed_per_label_set() -> None:
    registry = CollectorRegistry()
    collector = RequestCollector()
    registry.register(collector)
    collector.observe("GET", "/health", 200, 0.001)
    text = generate_latest(registry).decode()
    assert 'openai_emulator_requests_created{method="GET",route="/health",status="200"}' in text
    assert 'openai_emulator_request_duration_seconds_created{method="GET",route="/health"}' in text
