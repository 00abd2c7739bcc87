"""What every client sees on the wire: headers, JSON formatting, unknown routes, models, health."""

from __future__ import annotations

import json

import httpx2
import openai
import pytest
from openai import AsyncOpenAI

pytestmark = pytest.mark.anyio


async def test_success_carries_the_real_api_headers(http: httpx2.AsyncClient) -> None:
    response = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"})
    assert response.status_code == 200
    headers = response.headers
    assert headers["x-request-id"].startswith("req_") and len(headers["x-request-id"]) == 36
    assert int(headers["openai-processing-ms"]) >= 0
    assert headers["openai-version"] == "2020-10-01"
    for name in (
        "limit-requests",
        "limit-tokens",
        "remaining-requests",
        "remaining-tokens",
        "reset-requests",
    ):
        assert f"x-ratelimit-{name}" in headers
    assert headers["content-type"].startswith("application/json")


async def test_sdk_exposes_the_request_id(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-4o", input="hi")
    assert response._request_id is not None and response._request_id.startswith("req_")


async def test_error_responses_carry_a_request_id_too(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as error:
        await client.responses.retrieve("resp_missing")
    assert error.value.request_id is not None and error.value.request_id.startswith("req_")


async def test_json_bodies_are_pretty_printed_with_two_spaces(http: httpx2.AsyncClient) -> None:
    response = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"})
    assert response.text.startswith('{\n  "id": "resp_')
    assert list(response.json())[:4] == ["id", "object", "created_at", "status"]
    assert list(response.json())[-1] == "metadata"
    assert response.json()["billing"] == {"payer": "developer"}
    assert "output_text" not in response.json()


@pytest.mark.parametrize(
    "extra",
    [{}, {"background": True}, {"prompt_cache_options": {"mode": "implicit"}}, {"conversation": "new"}],
    ids=["plain", "background", "prompt_cache_options", "conversation"],
)
async def test_response_bodies_keep_the_observed_key_order(http: httpx2.AsyncClient, extra: dict[str, object]) -> None:
    """The first four keys fixed, then alphabetical (billing right after background), metadata last (REFERENCE
    §C.1), on create and on retrieve."""
    if extra.get("conversation") == "new":
        conversation = await http.post("/v1/conversations", json={})
        extra = {"conversation": conversation.json()["id"]}
    created = (await http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi", **extra})).json()
    retrieved = (await http.get(f"/v1/responses/{created['id']}")).json()
    for body in (created, retrieved):
        keys = list(body)
        assert keys[:4] == ["id", "object", "created_at", "status"] and keys[-1] == "metadata"
        assert keys[4:-1] == sorted(keys[4:-1]) and "billing" in keys


async def test_ids_have_the_real_shape_and_items_share_the_response_stem(http: httpx2.AsyncClient) -> None:
    body = (await http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"})).json()
    assert body["id"].startswith("resp_") and len(body["id"]) == len("resp_") + 50
    message_id = body["output"][0]["id"]
    assert message_id.startswith("msg_") and message_id[4:29] == body["id"][5:30]


async def test_unknown_route_is_invalid_url_404(http: httpx2.AsyncClient) -> None:
    response = await http.post("/v1/conversations/conv_1/messages", json={})
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "Invalid URL (POST /v1/conversations/conv_1/messages)",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }


async def test_wrong_method_on_a_known_path_is_invalid_url_404(http: httpx2.AsyncClient) -> None:
    response = await http.put("/v1/responses")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (PUT /v1/responses)"


async def test_malformed_json_is_the_real_parse_error(http: httpx2.AsyncClient) -> None:
    response = await http.post(
        "/v1/responses", content=b'{"model": "gpt-4o",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith("We could not parse the JSON body of your request.")
    assert error["type"] == "invalid_request_error" and error["param"] is None and error["code"] is None


async def test_models_are_listed_from_the_sdk_catalogue(client: AsyncOpenAI) -> None:
    models = [model.id async for model in client.models.list()]
    assert {"gpt-4o", "gpt-4o-mini", "gpt-5", "o3", "gpt-5.6-terra"} <= set(models)
    model = await client.models.retrieve("gpt-4o-mini")
    assert model.id == "gpt-4o-mini" and model.object == "model" and model.owned_by == "system"


async def test_unknown_model_retrieve_is_404_model_not_found(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as error:
        await client.models.retrieve("gpt-nope")
    assert error.value.code == "model_not_found"


async def test_health_answers_without_a_key(http: httpx2.AsyncClient) -> None:
    response = await http.get("/health", headers={"Authorization": ""})
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_delete_answers_with_the_real_deleted_object(http: httpx2.AsyncClient) -> None:
    created = (await http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"})).json()
    deleted = await http.delete(f"/v1/responses/{created['id']}")
    assert deleted.json() == {"id": created["id"], "object": "response.deleted", "deleted": True}


async def test_non_ascii_text_round_trips(http: httpx2.AsyncClient) -> None:
    created = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "héllo 世界 🎉"})
    assert "世界" in created.text  # UTF-8 on the wire, not \\u escapes
    assert json.loads(created.text)["output"][0]["content"][0]["text"] == "héllo 世界 🎉"


class TestStrictModels:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"strict_models": True}

    async def test_unknown_model_is_404_model_not_found(self, client: AsyncOpenAI) -> None:
        with pytest.raises(openai.NotFoundError) as error:
            await client.responses.create(model="gpt-nope", input="hi")
        assert error.value.body == {
            "message": "The model `gpt-nope` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }

    async def test_known_models_still_work(self, client: AsyncOpenAI) -> None:
        assert (await client.responses.create(model="gpt-4o", input="hi")).status == "completed"
