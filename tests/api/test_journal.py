"""The request journal: a test can assert what its client sent, per tenant, with secrets masked."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI

from tests.api.test_scenarios import control

pytestmark = pytest.mark.anyio
KEY = "sk-test-key-alice"  # the key of the `client` fixture


async def journal(app: FastAPI, api_key: str = KEY, **params: Any) -> list[dict[str, Any]]:
    async with control(app, api_key) as http:
        response = await http.get("/journal", params=params)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def test_each_request_is_journaled_with_body_status_response_id_and_request_id(
    app: FastAPI, client: AsyncOpenAI
) -> None:
    raw = await client.responses.with_raw_response.create(model="gpt-4o", input="remember me", metadata={"t": "1"})
    created = raw.parse()
    (entry,) = await journal(app)
    assert entry["method"] == "POST" and entry["path"] == "/v1/responses" and entry["status"] == 200
    assert entry["request_body"] == {"model": "gpt-4o", "input": "remember me", "metadata": {"t": "1"}}
    assert entry["response_id"] == created.id and entry["request_id"] == raw.headers["x-request-id"]
    assert entry["stream"] is False and entry["duration_ms"] >= 0 and entry["at"] > 0
    assert entry["request_headers"]["user-agent"].startswith("AsyncOpenAI/Python")


async def test_a_retrieve_and_a_delete_are_journaled_with_the_response_id(app: FastAPI, client: AsyncOpenAI) -> None:
    created = await client.responses.create(model="gpt-4o", input="x")
    await client.responses.retrieve(created.id)
    await client.responses.delete(created.id)  # its body names the id too, found in the body's first bytes
    _, retrieved, deleted = await journal(app)
    assert retrieved["method"] == "GET" and retrieved["response_id"] == created.id
    assert deleted["method"] == "DELETE" and deleted["response_id"] == created.id


async def test_the_api_key_is_masked_and_never_stored(app: FastAPI, client: AsyncOpenAI) -> None:
    await client.responses.create(model="gpt-4o", input="x")
    entries = await journal(app)
    assert entries[0]["request_headers"]["authorization"] == "Bearer sk-test-*****lice"
    assert KEY not in json.dumps(entries)


async def test_errors_and_streams_are_journaled_too(app: FastAPI, client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        await client.responses.create(model="gpt-4o", input="x", temperature=9)
    stream = await client.responses.create(model="gpt-4o", input="streamed", stream=True)
    first = None
    async for event in stream:
        first = first or event
    error, streamed = await journal(app)
    assert error["status"] == 400 and error["error"]["error"]["param"] == "temperature"
    assert streamed["stream"] is True and streamed["response_id"] == first.response.id  # type: ignore[union-attr]


async def test_the_journal_filters_by_path_method_time_and_limit(app: FastAPI, client: AsyncOpenAI) -> None:
    created = await client.responses.create(model="gpt-4o", input="one")
    await client.responses.retrieve(created.id)
    await client.responses.input_items.list(created.id)
    everything = await journal(app)
    assert [e["method"] for e in everything] == ["POST", "GET", "GET"]
    assert [e["path"] for e in await journal(app, path="/v1/responses/")] == [
        f"/v1/responses/{created.id}",
        f"/v1/responses/{created.id}/input_items",
    ]
    assert len(await journal(app, method="post")) == 1
    assert len(await journal(app, limit=2)) == 2 and (await journal(app, limit=2))[0]["method"] == "GET"
    since = everything[1]["at"]
    assert all(e["at"] >= since for e in await journal(app, since=since))
    assert await journal(app, until=everything[0]["at"] - 1) == []


async def test_tenants_see_only_their_own_journal(app: FastAPI, client_for: Callable[[str], AsyncOpenAI]) -> None:
    async with client_for("sk-one") as one:
        await one.responses.create(model="gpt-4o", input="one's request")
    assert len(await journal(app, "sk-one")) == 1
    assert await journal(app, "sk-two") == []


async def test_reset_deletes_the_tenants_data_and_journal(app: FastAPI, client: AsyncOpenAI) -> None:
    created = await client.responses.create(model="gpt-4o", input="to be forgotten")
    conversation = await client.conversations.create()
    async with control(app) as http:
        assert (await http.post("/reset")).json() == {"reset": True}
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        await client.conversations.retrieve(conversation.id)
    assert [e["path"] for e in await journal(app)] == [
        f"/v1/responses/{created.id}",
        f"/v1/conversations/{conversation.id}",
    ]


async def test_the_journal_can_be_cleared(app: FastAPI, client: AsyncOpenAI) -> None:
    await client.responses.create(model="gpt-4o", input="x")
    async with control(app) as http:
        assert (await http.delete("/journal")).json() == {"deleted": 1}
    assert await journal(app) == []


async def test_a_bad_journal_query_is_a_400(app: FastAPI) -> None:
    async with control(app) as http:
        response = await http.get("/journal", params={"limit": "0"})
    assert response.status_code == 400 and response.json()["error"]["param"] == "limit"


async def test_unauthenticated_requests_are_not_journaled_and_control_needs_a_key(app: FastAPI) -> None:
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://e") as http:
        assert (await http.post("/v1/responses", json={})).status_code == 401
        assert (await http.get("/__emulator__/journal")).status_code == 401
