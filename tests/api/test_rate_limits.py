"""Per-tenant rate limits on the emulator's clock: the real 429 body and headers, windows that reset."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai
import pytest
from fastapi import FastAPI

from server.app import create_app
from server.config import Settings
from server.engine.ids import ManualClock
from server.engine.ratelimit import duration
from tests.api.conftest import BASE_URL, sdk_client

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def limited_app(clock: ManualClock, **limits: Any) -> AsyncIterator[FastAPI]:
    app = create_app(Settings(database_url="sqlite://", **limits), clock=clock)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def rpm_app(clock: ManualClock) -> AsyncIterator[FastAPI]:
    async for app in limited_app(clock, rate_limit_requests_per_minute=2):
        yield app


def raw(app: FastAPI, key: str = "sk-limited") -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE_URL, headers={"Authorization": f"Bearer {key}"}
    )


BODY = {"model": "gpt-4o", "input": "hi"}


async def test_requests_over_the_quota_get_the_real_429_with_retry_headers(
    rpm_app: FastAPI, clock: ManualClock
) -> None:
    async with raw(rpm_app) as http:
        first = await http.post("/v1/responses", json=BODY)
        assert first.headers["x-ratelimit-limit-requests"] == "2"
        assert first.headers["x-ratelimit-remaining-requests"] == "1"
        assert first.headers["x-ratelimit-reset-requests"] == "1m0s"
        clock.advance(15)
        assert (await http.post("/v1/responses", json=BODY)).headers["x-ratelimit-remaining-requests"] == "0"
        refused = await http.post("/v1/responses", json=BODY)
    assert refused.status_code == 429
    assert refused.json() == {
        "error": {
            "message": "Rate limit reached for gpt-4o in organization org-emulator on requests per min (RPM): "
            "Limit 2, Used 2, Requested 1. Please try again in 45s. "
            "Visit https://platform.openai.com/account/rate-limits to learn more.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
    assert refused.headers["retry-after"] == "45" and refused.headers["retry-after-ms"] == "45000"
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"


async def test_the_window_resets_after_a_minute_on_the_emulators_clock(rpm_app: FastAPI, clock: ManualClock) -> None:
    async with sdk_client(rpm_app, "sk-limited") as client:
        for _ in range(2):
            await client.responses.create(**BODY)  # type: ignore[arg-type]
        with pytest.raises(openai.RateLimitError) as error:
            await client.responses.create(**BODY)  # type: ignore[arg-type]
        assert error.value.code == "rate_limit_exceeded"
        clock.advance(60)
        assert (await client.responses.create(**BODY)).status == "completed"  # type: ignore[arg-type]


async def test_each_tenant_has_its_own_quota(rpm_app: FastAPI) -> None:
    async with raw(rpm_app, "sk-a") as a, raw(rpm_app, "sk-b") as b:
        for _ in range(2):
            assert (await a.post("/v1/responses", json=BODY)).status_code == 200
        assert (await a.post("/v1/responses", json=BODY)).status_code == 429
        assert (await b.post("/v1/responses", json=BODY)).status_code == 200


async def test_token_quota_counts_input_and_output(clock: ManualClock) -> None:
    async for app in limited_app(clock, rate_limit_tokens_per_minute=30):
        async with raw(app) as http:
            first = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "one two three four"})
            usage = first.json()["usage"]
            remaining = int(first.headers["x-ratelimit-remaining-tokens"])
            # A non-streamed response's headers leave after it finished: its output is already counted.
            assert remaining == 30 - usage["total_tokens"] == 15
            second = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "five six seven eight"})
            refused = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "nine"})
        assert second.status_code == 200 and second.json()["usage"]["total_tokens"] == 15  # 30 used now
        assert refused.status_code == 429
        error = refused.json()["error"]
        assert error["type"] == "tokens"
        assert "on tokens per min (TPM): Limit 30, Used 30, Requested 8." in error["message"]


def test_durations_are_written_like_the_real_headers() -> None:
    assert [duration(s) for s in (0.006, 0.5, 1, 17.28, 60, 75)] == ["6ms", "500ms", "1s", "17.28s", "1m0s", "1m15s"]


async def test_without_limits_the_static_headers_stay(client: object, http: httpx2.AsyncClient) -> None:
    response = await http.post("/v1/responses", json=BODY)
    assert response.headers["x-ratelimit-limit-requests"] == "10000"
