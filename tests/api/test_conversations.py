"""The Conversations resource end to end through the async SDK in strict mode, plus its errors over HTTP."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import httpx2
import openai
import pytest
from openai import AsyncOpenAI
from openai.types.conversations import Conversation, Message

from tests.conversation_cases import CASES, ConversationCase
from tests.validation_cases import ID_CASES, QUERY_CASES, QueryCase, err

pytestmark = pytest.mark.anyio


def text_of(item: object) -> str:
    assert isinstance(item, Message), item
    part = item.content[0]
    assert part.type in ("input_text", "output_text")
    return part.text


async def five_item_conversation(client: AsyncOpenAI) -> Conversation:
    return await client.conversations.create(
        items=[{"role": "user", "content": f"message {i}"} for i in range(5)], metadata={"topic": "counting"}
    )


# -- the conversation -----------------------------------------------------------------------------------------


async def test_create_returns_the_conversation_object(client: AsyncOpenAI, http: httpx2.AsyncClient) -> None:
    conversation = await client.conversations.create(metadata={"topic": "demo"})
    assert conversation.id.startswith("conv_") and conversation.object == "conversation"
    assert conversation.metadata == {"topic": "demo"} and conversation.created_at > 0

    raw = (await http.post("/v1/conversations", json={})).json()
    assert list(raw) == ["id", "object", "created_at", "metadata"] and raw["metadata"] == {}


async def test_retrieve_returns_what_create_returned(client: AsyncOpenAI) -> None:
    created = await client.conversations.create(items=[{"role": "user", "content": "hi"}], metadata={"a": "1"})
    assert (await client.conversations.retrieve(created.id)).model_dump() == created.model_dump()


async def test_update_replaces_the_metadata(client: AsyncOpenAI) -> None:
    created = await client.conversations.create(metadata={"old": "1", "kept": "no"})
    updated = await client.conversations.update(created.id, metadata={"new": "2"})
    assert updated.id == created.id and updated.metadata == {"new": "2"}
    assert (await client.conversations.retrieve(created.id)).metadata == {"new": "2"}
    assert (await client.conversations.update(created.id, metadata=None)).metadata == {}


async def test_delete_answers_deleted_and_then_every_route_is_404(client: AsyncOpenAI) -> None:
    conversation = await five_item_conversation(client)
    item_id = (await client.conversations.items.list(conversation.id)).data[0].id

    deleted = await client.conversations.delete(conversation.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (conversation.id, "conversation.deleted", True)

    message = f"Conversation with id '{conversation.id}' not found."
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: client.conversations.retrieve(conversation.id),
        lambda: client.conversations.update(conversation.id, metadata={}),
        lambda: client.conversations.delete(conversation.id),
        lambda: client.conversations.items.list(conversation.id),
        lambda: client.conversations.items.create(conversation.id, items=[{"role": "user", "content": "x"}]),
        lambda: client.conversations.items.retrieve(item_id, conversation_id=conversation.id),
        lambda: client.conversations.items.delete(item_id, conversation_id=conversation.id),
        lambda: client.responses.create(model="gpt-4o", input="x", conversation=conversation.id),
    ]
    for call in calls:
        with pytest.raises(openai.NotFoundError) as error:
            await call()
        assert error.value.body == {"message": message, "type": "invalid_request_error", "param": None, "code": None}


# -- items ----------------------------------------------------------------------------------------------------


async def test_items_create_returns_the_items_in_the_order_given_with_ids(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    added = await client.conversations.items.create(
        conversation.id,
        items=[
            {"role": "user", "content": "first"},
            {"type": "message", "role": "assistant", "content": "second"},
            {"role": "developer", "content": [{"type": "input_text", "text": "third"}]},
        ],
    )
    assert [text_of(item) for item in added.data] == ["first", "second", "third"]
    assert [item.role for item in added.data if isinstance(item, Message)] == ["user", "assistant", "developer"]
    assert all(isinstance(item, Message) and item.status == "completed" for item in added.data)
    assert (added.first_id, added.last_id, added.has_more) == (added.data[0].id, added.data[-1].id, False)
    assert all(item.id.startswith("msg_") for item in added.data)


async def test_items_look_exactly_like_response_input_items(client: AsyncOpenAI, http: httpx2.AsyncClient) -> None:
    response = await client.responses.create(model="gpt-4o", input="same shape")
    conversation = await client.conversations.create(items=[{"role": "user", "content": "same shape"}])
    as_input = (await http.get(f"/v1/responses/{response.id}/input_items")).json()["data"][0]
    as_item = (await http.get(f"/v1/conversations/{conversation.id}/items")).json()["data"][0]
    assert as_item | {"id": "x"} == as_input | {"id": "x"} and list(as_item) == list(as_input)


async def test_items_list_newest_first_by_default_and_oldest_first_with_asc(client: AsyncOpenAI) -> None:
    conversation = await five_item_conversation(client)
    newest_first = await client.conversations.items.list(conversation.id)
    assert [text_of(item) for item in newest_first.data] == [f"message {i}" for i in reversed(range(5))]
    oldest_first = await client.conversations.items.list(conversation.id, order="asc")
    assert [text_of(item) for item in oldest_first.data] == [f"message {i}" for i in range(5)]


async def test_auto_pagination_walks_every_item_once(client: AsyncOpenAI) -> None:
    conversation = await five_item_conversation(client)
    await client.conversations.items.create(conversation.id, items=[{"role": "user", "content": "message 5"}])

    first = await client.conversations.items.list(conversation.id, limit=2)
    assert first.has_more is True and len(first.data) == 2
    walked = [text_of(item) async for item in client.conversations.items.list(conversation.id, limit=2)]
    assert walked == [f"message {i}" for i in reversed(range(6))]
    ascending = [text_of(i) async for i in client.conversations.items.list(conversation.id, limit=4, order="asc")]
    assert ascending == [f"message {i}" for i in range(6)]


async def test_after_continues_past_the_given_item(client: AsyncOpenAI) -> None:
    conversation = await five_item_conversation(client)
    items = (await client.conversations.items.list(conversation.id, order="asc")).data
    page = await client.conversations.items.list(conversation.id, order="asc", after=items[1].id)
    assert [text_of(item) for item in page.data] == ["message 2", "message 3", "message 4"]


async def test_retrieve_item_returns_the_listed_item(client: AsyncOpenAI) -> None:
    conversation = await five_item_conversation(client)
    listed = (await client.conversations.items.list(conversation.id)).data[2]
    retrieved = await client.conversations.items.retrieve(
        listed.id, conversation_id=conversation.id, include=["message.input_image.image_url"]
    )
    assert retrieved.model_dump() == listed.model_dump()


async def test_delete_item_returns_the_conversation_and_removes_the_item(client: AsyncOpenAI) -> None:
    conversation = await five_item_conversation(client)
    victim = (await client.conversations.items.list(conversation.id)).data[1]

    parent = await client.conversations.items.delete(victim.id, conversation_id=conversation.id)
    assert parent.model_dump() == conversation.model_dump()

    remaining = [text_of(item) async for item in client.conversations.items.list(conversation.id)]
    assert remaining == ["message 4", "message 2", "message 1", "message 0"]
    with pytest.raises(openai.NotFoundError) as error:
        await client.conversations.items.retrieve(victim.id, conversation_id=conversation.id)
    assert error.value.body == {
        "message": f"Item with id '{victim.id}' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError):
        await client.conversations.items.delete(victim.id, conversation_id=conversation.id)


async def test_include_is_accepted_on_list_get_and_create_items(client: AsyncOpenAI) -> None:
    conversation = await client.conversations.create()
    include: list[openai.types.responses.ResponseIncludable] = ["reasoning.encrypted_content"]
    added = await client.conversations.items.create(
        conversation.id, items=[{"role": "user", "content": "x"}], include=include
    )
    assert len((await client.conversations.items.list(conversation.id, include=include)).data) == 1
    await client.conversations.items.retrieve(added.data[0].id, conversation_id=conversation.id, include=include)


async def test_an_empty_item_list_has_null_cursors(http: httpx2.AsyncClient) -> None:
    conversation = (await http.post("/v1/conversations", json={})).json()
    listed = (await http.get(f"/v1/conversations/{conversation['id']}/items")).json()
    assert listed == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


async def test_twenty_items_is_the_most_one_request_may_add(client: AsyncOpenAI) -> None:
    items: list[openai.types.responses.ResponseInputItemParam] = [
        {"role": "user", "content": str(i)} for i in range(20)
    ]
    conversation = await client.conversations.create(items=items)
    await client.conversations.items.create(conversation.id, items=items)
    assert len([item async for item in client.conversations.items.list(conversation.id, limit=100)]) == 40


# -- tenants --------------------------------------------------------------------------------------------------


async def test_another_api_key_gets_404_on_every_conversation_route(client_for: Callable[[str], AsyncOpenAI]) -> None:
    async with client_for("sk-alice") as alice, client_for("sk-bob") as bob:
        conversation = await five_item_conversation(alice)
        item_id = (await alice.conversations.items.list(conversation.id)).data[0].id
        calls: list[Callable[[], Awaitable[object]]] = [
            lambda: bob.conversations.retrieve(conversation.id),
            lambda: bob.conversations.update(conversation.id, metadata={"stolen": "yes"}),
            lambda: bob.conversations.delete(conversation.id),
            lambda: bob.conversations.items.list(conversation.id),
            lambda: bob.conversations.items.create(conversation.id, items=[{"role": "user", "content": "x"}]),
            lambda: bob.conversations.items.retrieve(item_id, conversation_id=conversation.id),
            lambda: bob.conversations.items.delete(item_id, conversation_id=conversation.id),
            lambda: bob.responses.create(model="gpt-4o", input="x", conversation=conversation.id),
            lambda: bob.responses.input_tokens.count(model="gpt-4o", input="x", conversation=conversation.id),
        ]
        for call in calls:
            with pytest.raises(openai.NotFoundError) as error:
                await call()
            assert error.value.body["message"] == f"Conversation with id '{conversation.id}' not found."  # type: ignore[index]

        assert (await alice.conversations.retrieve(conversation.id)).metadata == {"topic": "counting"}
        assert len([item async for item in alice.conversations.items.list(conversation.id)]) == 5


# -- errors over HTTP -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_bad_conversation_body_gets_the_real_envelope(http: httpx2.AsyncClient, case: ConversationCase) -> None:
    conversation = (await http.post("/v1/conversations", json={})).json()
    content = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
    response = await http.post(case.path(conversation["id"]), content=content)
    assert (response.status_code, response.json()) == (case.status, case.error)
    assert response.headers["x-request-id"].startswith("req_")


LIST_QUERY_CASES = [case for case in QUERY_CASES if case.kind == "list"]


@pytest.mark.parametrize("case", LIST_QUERY_CASES, ids=[c.id for c in LIST_QUERY_CASES])
async def test_bad_item_list_query_gets_the_real_envelope(http: httpx2.AsyncClient, case: QueryCase) -> None:
    conversation = (await http.post("/v1/conversations", json={})).json()
    response = await http.get(f"/v1/conversations/{conversation['id']}/items", params=case.params)
    assert (response.status_code, response.json()) == (case.status, case.error)


CONVERSATION_ID_CASES = [case for case in ID_CASES if case[2] == "conv"]


def every_route(conversation_id: str, item_id: str = "msg_1") -> list[tuple[str, str, object]]:
    base = f"/v1/conversations/{conversation_id}"
    return [
        ("GET", base, None),
        ("POST", base, {"metadata": {}}),
        ("DELETE", base, None),
        ("GET", f"{base}/items", None),
        ("POST", f"{base}/items", {"items": [{"role": "user", "content": "x"}]}),
        ("GET", f"{base}/items/{item_id}", None),
        ("DELETE", f"{base}/items/{item_id}", None),
    ]


@pytest.mark.parametrize(("value", "param", "prefix", "error"), CONVERSATION_ID_CASES, ids=lambda v: str(v)[:20])
async def test_malformed_conversation_id_is_400_on_every_route(
    http: httpx2.AsyncClient, value: str, param: str, prefix: str, error: dict[str, object]
) -> None:
    for method, path, body in every_route(value):
        response = await http.request(method, path, json=body)
        assert (response.status_code, response.json()) == (400, error), (method, path)


async def test_unknown_conversation_is_404_on_every_route(http: httpx2.AsyncClient) -> None:
    for method, path, body in every_route("conv_nope"):
        response = await http.request(method, path, json=body)
        expected = err("Conversation with id 'conv_nope' not found.")
        assert (response.status_code, response.json()) == (404, expected), (method, path)


async def test_unknown_paths_under_conversations_are_invalid_urls(http: httpx2.AsyncClient) -> None:
    response = await http.get("/v1/conversations")
    assert (response.status_code, response.json()) == (404, err("Invalid URL (GET /v1/conversations)"))
