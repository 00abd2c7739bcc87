"""One structured log line per request, and the Prometheus metrics at /metrics."""

from __future__ import annotations

import json
import logging

import httpx2
import pytest
from openai import AsyncOpenAI
from prometheus_client.parser import text_string_to_metric_families

from server import metrics
from server.logs import JSONFormatter, KeyValueFormatter

pytestmark = pytest.mark.anyio


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by name and sorted labels (parsing also proves the format)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(http: httpx2.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await http.get("/metrics", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "openai_emulator.access"]


async def test_each_request_logs_one_line_with_its_id_tenant_route_status_and_latency(
    http: httpx2.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="openai_emulator.access")
    created = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"})
    response_id = created.json()["id"]
    await http.get(f"/v1/responses/{response_id}")
    first, second = access_records(caplog)
    assert first.request_id == created.headers["x-request-id"]  # type: ignore[attr-defined]
    fields = {k: getattr(second, k) for k in ("method", "route", "path", "status", "stream")}
    assert fields == {
        "method": "GET",
        "route": "/v1/responses/{response_id}",
        "path": f"/v1/responses/{response_id}",
        "status": 200,
        "stream": False,
    }
    assert isinstance(second.latency_ms, float) and second.latency_ms >= 0  # type: ignore[attr-defined]
    assert second.tenant and second.tenant == first.tenant  # type: ignore[attr-defined]


async def test_the_api_key_never_reaches_the_log_line(
    http: httpx2.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await http.post("/v1/responses", json={"model": "gpt-4o", "input": "secret?"})
    await http.post("/v1/responses", json={"model": 1})
    for record in access_records(caplog):
        for formatter in (KeyValueFormatter(), JSONFormatter()):
            assert "sk-test-key-alice" not in formatter.format(record)
    assert [r.status for r in access_records(caplog)] == [200, 400]  # type: ignore[attr-defined]


async def test_unknown_paths_share_one_route_label_and_health_is_logged_at_debug(
    http: httpx2.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_emulator.access")
    await http.get("/v1/nothing-here/123")
    await http.get("/health")
    unknown, health = access_records(caplog)
    assert (unknown.route, unknown.status, unknown.levelno) == ("<unmatched>", 404, logging.INFO)  # type: ignore[attr-defined]
    assert (health.route, health.levelno) == ("/health", logging.DEBUG)  # type: ignore[attr-defined]


def test_text_lines_are_key_value_and_json_lines_are_one_object() -> None:
    record = logging.makeLogRecord(
        {
            "name": "openai_emulator.access",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "request",
            "request_id": "req_1",
            "tenant": None,
            "route": "/v1/responses",
            "status": 200,
            "latency_ms": 1.5,
            "stream": True,
            "note": "two words",
        }
    )
    assert KeyValueFormatter().format(record) == (
        "INFO:     request request_id=req_1 tenant=- route=/v1/responses status=200 latency_ms=1.5 stream=true "
        'note="two words"'
    )
    entry = json.loads(JSONFormatter().format(record))
    assert entry["level"] == "info" and entry["logger"] == "openai_emulator.access" and entry["message"] == "request"
    assert {k: entry[k] for k in ("request_id", "tenant", "status", "latency_ms", "stream")} == {
        "request_id": "req_1",
        "tenant": None,
        "status": 200,
        "latency_ms": 1.5,
        "stream": True,
    }


async def test_metrics_count_requests_by_route_template_and_status(http: httpx2.AsyncClient) -> None:
    before = await scrape(http)
    created = (await http.post("/v1/responses", json={"model": "gpt-4o", "input": "count me"})).json()
    await http.get(f"/v1/responses/{created['id']}")
    await http.get("/v1/responses/resp_missing")
    after = await scrape(http)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    route = "/v1/responses/{response_id}"
    assert delta("openai_emulator_requests_total", method="POST", route="/v1/responses", status="200") == 1
    assert delta("openai_emulator_requests_total", method="GET", route=route, status="200") == 1
    assert delta("openai_emulator_requests_total", method="GET", route=route, status="404") == 1
    assert delta("openai_emulator_request_duration_seconds_count", method="GET", route=route) == 2
    assert delta("openai_emulator_request_duration_seconds_bucket", method="GET", route=route, le="+Inf") == 2


async def test_streams_open_rises_while_a_stream_is_written_and_falls_after(http: httpx2.AsyncClient) -> None:
    gauge = ("openai_emulator_streams_open", ())
    before = (await scrape(http))[gauge]
    async with http.stream("POST", "/v1/responses", json={"model": "gpt-4o", "input": "a b c", "stream": True}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        async for _ in r.aiter_bytes():
            pass
    # The in-process transport runs the app to its end before the body is read, so the gauge is back down.
    assert (await scrape(http))[gauge] == before
    metrics.stream_opened()
    try:
        assert (await scrape(http))[gauge] == before + 1
    finally:
        metrics.stream_closed()


async def test_background_jobs_are_exported_by_state_at_zero_until_reported(http: httpx2.AsyncClient) -> None:
    found = await scrape(http)
    for state in metrics.BACKGROUND_JOB_STATES:
        assert ("openai_emulator_background_jobs", (("state", state),)) in found
    metrics.set_background_jobs("queued", 3)
    try:
        assert (await scrape(http))[("openai_emulator_background_jobs", (("state", "queued"),))] == 3
    finally:
        metrics.set_background_jobs("queued", 0)


@pytest.mark.parametrize("settings_overrides", [{"chain_cache_items": 6}])
async def test_the_chain_cache_holds_no_more_items_than_its_setting_and_exports_how_many(
    http: httpx2.AsyncClient, client: AsyncOpenAI
) -> None:
    previous = None
    held: list[float] = []
    for turn in range(6):  # the context a turn continues holds 2 items more than the one before
        response = await client.responses.create(
            model="gpt-4o", input=f"turn {turn}", **({"previous_response_id": previous} if previous else {})
        )
        previous = response.id
        held.append((await scrape(http))[("openai_emulator_chain_cache_items", ())])
    assert response.output_text == "turn 5"
    # Kept: 2; 2 + 4; then 6 alone (the older two make room); 8 and 10 are more than the cache holds.
    assert held[1:] == [2, 6, 6, 6, 6]
