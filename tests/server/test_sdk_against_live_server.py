"""The issue's example, verbatim, through the sync and async SDK against a real uvicorn server."""

from __future__ import annotations

import openai
import pytest
from openai import AsyncOpenAI, OpenAI

from tests.server.conftest import LiveServer


def sync_client(server: LiveServer, api_key: str = "sk-test") -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key=api_key, max_retries=0, _strict_response_validation=True)


def test_sync_sdk_runs_the_issue_example_end_to_end(live_server: LiveServer) -> None:
    client = sync_client(live_server)
    r1 = client.responses.create(model="gpt-4o", input="Hello there")
    r2 = client.responses.create(model="gpt-4o", input="And again?", previous_response_id=r1.id)
    assert r2.previous_response_id == r1.id and r2.output_text == "And again?"
    assert client.responses.retrieve(r2.id).model_dump() == r2.model_dump()
    assert [item.id for item in client.responses.input_items.list(r2.id)]
    client.responses.delete(r1.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(r1.id)


def test_sync_sdk_auto_paginates_input_items(live_server: LiveServer) -> None:
    client = sync_client(live_server)
    response = client.responses.create(model="gpt-4o", input=[{"role": "user", "content": str(i)} for i in range(45)])
    ids = [item.id for item in client.responses.input_items.list(response.id, limit=10)]
    assert len(ids) == len(set(ids)) == 45


def test_sync_sdk_raises_the_real_error_classes(live_server: LiveServer) -> None:
    client = sync_client(live_server)
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model="gpt-4o", input="x", temperature=3)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve("resp_unknown")


async def test_async_sdk_against_the_live_server(live_server: LiveServer) -> None:
    async with AsyncOpenAI(
        base_url=live_server.base_url, api_key="sk-async", max_retries=0, _strict_response_validation=True
    ) as client:
        response = await client.responses.create(model="gpt-5-mini", input="async hello")
        assert response.output_text == "async hello"
        assert (await client.responses.retrieve(response.id)).status == "completed"


test_async_sdk_against_the_live_server = pytest.mark.anyio(test_async_sdk_against_the_live_server)
