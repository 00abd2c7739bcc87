"""The real ``openai`` SDK, in strict validation mode, over the in-process ASGI transport.

The transport buffers whole responses, so stream timing and disconnects are tested in ``tests/server``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI

from server.app import create_app
from server.config import Settings

BASE_URL = "http://emulator.test"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its tests."""
    return {}


@pytest.fixture
def settings(tmp_path: Path, settings_overrides: dict[str, Any]) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'emulator.db'}", **settings_overrides)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def sdk_client(app: FastAPI, api_key: str = "sk-test-key-alice") -> AsyncOpenAI:
    """An SDK client that validates every response against its own types and never retries."""
    return AsyncOpenAI(
        api_key=api_key,
        base_url=f"{BASE_URL}/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL),
        max_retries=0,
        _strict_response_validation=True,
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncOpenAI]:
    async with sdk_client(app) as client:
        yield client


@pytest.fixture
def client_for(app: FastAPI) -> Callable[[str], AsyncOpenAI]:
    """Make clients with other API keys (other tenants)."""
    return lambda api_key: sdk_client(app, api_key)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx2.AsyncClient]:
    """A raw HTTP client, for asserting on the wire itself (status, headers, exact bytes)."""
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app),
        base_url=BASE_URL,
        headers={"Authorization": "Bearer sk-test-key-alice"},
    ) as http:
        yield http
