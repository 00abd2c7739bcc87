"""API keys: required, optionally allow-listed, and each key (or project) sees only its own data."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import openai
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI

from tests.api.conftest import BASE_URL, sdk_client

pytestmark = pytest.mark.anyio

MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
    "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
    "accessing the API from your browser and are prompted for a username and password. You can obtain an API "
    "key from https://platform.openai.com/account/api-keys."
)


async def test_missing_authorization_header_is_401_with_the_real_message(app: FastAPI) -> None:
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL) as http:
        response = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"})
    assert response.status_code == 401
    assert response.json() == {
        "error": {"message": MISSING_KEY, "type": "invalid_request_error", "param": None, "code": None}
    }
    assert response.headers["x-request-id"].startswith("req_")


async def test_empty_bearer_key_is_rejected_as_incorrect(app: FastAPI) -> None:
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL) as http:
        response = await http.get("/v1/models", headers={"Authorization": "Bearer "})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"


async def test_every_key_is_accepted_by_default(client_for: Callable[[str], AsyncOpenAI]) -> None:
    async with client_for("anything-at-all") as client:
        assert (await client.responses.create(model="gpt-4o", input="hi")).status == "completed"


async def test_tenant_b_cannot_see_chain_list_or_delete_tenant_a_responses(
    client_for: Callable[[str], AsyncOpenAI],
) -> None:
    async with client_for("sk-alice") as alice, client_for("sk-bob") as bob:
        mine = await alice.responses.create(model="gpt-4o", input="alice's secret")
        with pytest.raises(openai.NotFoundError) as retrieve:
            await bob.responses.retrieve(mine.id)
        assert retrieve.value.body["message"] == f"Response with id '{mine.id}' not found."  # type: ignore[index]
        with pytest.raises(openai.NotFoundError):
            await bob.responses.input_items.list(mine.id)
        with pytest.raises(openai.NotFoundError):
            await bob.responses.delete(mine.id)
        with pytest.raises(openai.BadRequestError) as chain:
            await bob.responses.create(model="gpt-4o", input="x", previous_response_id=mine.id)
        assert chain.value.code == "previous_response_not_found"
        with pytest.raises(openai.BadRequestError):
            await bob.responses.input_tokens.count(model="gpt-4o", input="x", previous_response_id=mine.id)
        # Bob's failed attempts changed nothing for Alice.
        assert (await alice.responses.retrieve(mine.id)).output_text == "alice's secret"


class TestAllowList:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"api_keys": ["sk-allowed-key-1234567890"]}

    async def test_a_key_outside_the_allow_list_is_401_invalid_api_key(self, app: FastAPI) -> None:
        async with sdk_client(app, "sk-wrong-key-abcdefghwxyz") as client:
            with pytest.raises(openai.AuthenticationError) as error:
                await client.responses.create(model="gpt-4o", input="hi")
        assert error.value.body == {
            "message": "Incorrect API key provided: sk-wrong*************wxyz. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }

    async def test_an_allowed_key_works(self, app: FastAPI) -> None:
        async with sdk_client(app, "sk-allowed-key-1234567890") as client:
            assert (await client.responses.create(model="gpt-4o", input="hi")).status == "completed"


class TestSharedProjects:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"key_projects": {"sk-team-a-1": "team-a", "sk-team-a-2": "team-a"}}

    async def test_keys_of_one_project_share_its_responses(self, app: FastAPI) -> None:
        async with sdk_client(app, "sk-team-a-1") as first, sdk_client(app, "sk-team-a-2") as second:
            created = await first.responses.create(model="gpt-4o", input="shared")
            assert (await second.responses.retrieve(created.id)).id == created.id
        async with sdk_client(app, "sk-outsider") as outsider:
            with pytest.raises(openai.NotFoundError):
                await outsider.responses.retrieve(created.id)
