"""The ConversationRepo contract, run on every backend by the ``store`` fixture (see conftest.py)."""

from __future__ import annotations

import anyio
import pytest

from storage.base import ConversationRecord, ConversationRepo, ItemPage, JSONObject, Order
from storage.sql import SqlStore
from tests.storage.test_response_repo import assistant_message, ids, user_message

pytestmark = pytest.mark.anyio

A = "tenant-a"
B = "tenant-b"


def conversation(conversation_id: str = "conv_1", tenant: str = A, **metadata: str) -> ConversationRecord:
    return ConversationRecord(id=conversation_id, tenant=tenant, created_at=1_700_000_000, metadata=metadata)


async def test_store_has_a_conversation_repo(store: SqlStore) -> None:
    assert isinstance(store.conversations, ConversationRepo)


# -- the conversation -----------------------------------------------------------------------------------------


async def test_create_then_get_returns_the_same_record(store: SqlStore) -> None:
    created = conversation(topic="demo")
    await store.conversations.create(created)
    assert await store.conversations.get(A, "conv_1") == created


async def test_create_stores_the_initial_items_in_order(store: SqlStore) -> None:
    await store.conversations.create(conversation(), items=[user_message("msg_1"), assistant_message("msg_2")])
    assert ids(await store.conversations.all_items(A, "conv_1") or []) == ["msg_1", "msg_2"]


async def test_creating_an_existing_id_raises_key_error_and_keeps_the_first(store: SqlStore) -> None:
    await store.conversations.create(conversation(first="yes"), items=[user_message("msg_1")])
    with pytest.raises(KeyError):
        await store.conversations.create(conversation(first="no"), items=[user_message("msg_2")])
    assert (await store.conversations.get(A, "conv_1")) == conversation(first="yes")
    assert ids(await store.conversations.all_items(A, "conv_1") or []) == ["msg_1"]


async def test_an_item_without_an_id_is_rejected_and_nothing_is_stored(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        await store.conversations.create(conversation(), items=[user_message("msg_1"), {"type": "message"}])
    assert await store.conversations.get(A, "conv_1") is None


async def test_get_of_an_unknown_id_is_none(store: SqlStore) -> None:
    assert await store.conversations.get(A, "conv_nope") is None


async def test_update_metadata_replaces_it_and_returns_the_record(store: SqlStore) -> None:
    await store.conversations.create(conversation(old="1", kept="no"))
    updated = await store.conversations.update_metadata(A, "conv_1", {"new": "2"})
    assert updated == conversation(new="2")
    assert await store.conversations.get(A, "conv_1") == updated


async def test_update_metadata_of_an_unknown_conversation_is_none(store: SqlStore) -> None:
    assert await store.conversations.update_metadata(A, "conv_nope", {}) is None


async def test_delete_hides_the_conversation_and_its_items_everywhere(store: SqlStore) -> None:
    await store.conversations.create(conversation(), items=[user_message("msg_1")])
    assert await store.conversations.delete(A, "conv_1") is True

    repo = store.conversations
    assert await repo.get(A, "conv_1") is None
    assert await repo.update_metadata(A, "conv_1", {"k": "v"}) is None
    assert await repo.append_items(A, "conv_1", [user_message("msg_2")]) is False
    assert await repo.list_items(A, "conv_1") is None
    assert await repo.get_item(A, "conv_1", "msg_1") is None
    assert await repo.delete_item(A, "conv_1", "msg_1") is False
    assert await repo.all_items(A, "conv_1") is None
    assert await repo.delete(A, "conv_1") is False


async def test_a_deleted_conversation_keeps_its_items_stored(store: SqlStore) -> None:
    await store.conversations.create(conversation(), items=[user_message("msg_1")])
    await store.conversations.delete(A, "conv_1")
    with store.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM conversation_items").scalar_one()
    assert count == 1


async def test_a_deleted_id_cannot_be_created_again(store: SqlStore) -> None:
    await store.conversations.create(conversation())
    await store.conversations.delete(A, "conv_1")
    with pytest.raises(KeyError):
        await store.conversations.create(conversation())


# -- tenants --------------------------------------------------------------------------------------------------


async def test_another_tenant_can_reach_nothing_of_a_conversation(store: SqlStore) -> None:
    await store.conversations.create(conversation(), items=[user_message("msg_1")])
    repo = store.conversations

    assert await repo.get(B, "conv_1") is None
    assert await repo.update_metadata(B, "conv_1", {"k": "v"}) is None
    assert await repo.append_items(B, "conv_1", [user_message("msg_2")]) is False
    assert await repo.list_items(B, "conv_1") is None
    assert await repo.get_item(B, "conv_1", "msg_1") is None
    assert await repo.delete_item(B, "conv_1", "msg_1") is False
    assert await repo.all_items(B, "conv_1") is None
    assert await repo.delete(B, "conv_1") is False

    assert await repo.get(A, "conv_1") == conversation()
    assert ids(await repo.all_items(A, "conv_1") or []) == ["msg_1"]


# -- appending, listing, items --------------------------------------------------------------------------------


async def test_append_adds_items_after_the_existing_ones_in_order(store: SqlStore) -> None:
    await store.conversations.create(conversation(), items=[user_message("msg_1")])
    assert await store.conversations.append_items(A, "conv_1", [assistant_message("msg_2"), user_message("msg_3")])
    assert await store.conversations.append_items(A, "conv_1", [])
    assert ids(await store.conversations.all_items(A, "conv_1") or []) == ["msg_1", "msg_2", "msg_3"]


async def test_an_append_with_a_bad_item_writes_nothing(store: SqlStore) -> None:
    await store.conversations.create(conversation())
    with pytest.raises(ValueError):
        await store.conversations.append_items(A, "conv_1", [user_message("msg_1"), {"id": ""}])
    assert await store.conversations.all_items(A, "conv_1") == []


@pytest.fixture
async def seven_items(store: SqlStore) -> None:
    await store.conversations.create(conversation(), items=[user_message(f"msg_{i}") for i in range(3)])
    await store.conversations.append_items(A, "conv_1", [user_message(f"msg_{i}") for i in range(3, 7)])


async def page(store: SqlStore, *, after: str | None = None, limit: int = 20, order: Order = "desc") -> ItemPage:
    result = await store.conversations.list_items(A, "conv_1", after=after, limit=limit, order=order)
    assert result is not None
    return result


async def test_list_items_defaults_to_newest_first(store: SqlStore, seven_items: None) -> None:
    result = await page(store)
    assert ids(result.data) == [f"msg_{i}" for i in reversed(range(7))] and result.has_more is False


async def test_list_items_in_ascending_order_is_the_order_added(store: SqlStore, seven_items: None) -> None:
    assert ids((await page(store, order="asc")).data) == [f"msg_{i}" for i in range(7)]


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_walking_the_pages_yields_every_item_once_in_order(
    store: SqlStore, seven_items: None, order: Order
) -> None:
    seen: list[str] = []
    after = None
    while True:
        result = await page(store, after=after, limit=3, order=order)
        seen += ids(result.data)
        if not result.has_more:
            break
        after = result.data[-1]["id"]
    expected = [f"msg_{i}" for i in range(7)]
    assert seen == (expected if order == "asc" else expected[::-1])


async def test_after_starts_the_page_just_past_that_item(store: SqlStore, seven_items: None) -> None:
    assert ids((await page(store, after="msg_4")).data) == ["msg_3", "msg_2", "msg_1", "msg_0"]
    assert ids((await page(store, after="msg_4", order="asc")).data) == ["msg_5", "msg_6"]


async def test_an_unknown_after_gives_an_empty_page(store: SqlStore, seven_items: None) -> None:
    assert await page(store, after="msg_nope") == ItemPage(data=[], has_more=False)


async def test_a_conversation_without_items_lists_an_empty_page(store: SqlStore) -> None:
    await store.conversations.create(conversation())
    assert await page(store) == ItemPage(data=[], has_more=False)


async def test_get_item_returns_the_stored_body(store: SqlStore) -> None:
    await store.conversations.create(conversation(), items=[user_message("msg_1", "exact body")])
    assert await store.conversations.get_item(A, "conv_1", "msg_1") == user_message("msg_1", "exact body")
    assert await store.conversations.get_item(A, "conv_1", "msg_nope") is None


async def test_an_item_of_one_conversation_is_not_found_in_another(store: SqlStore) -> None:
    await store.conversations.create(conversation("conv_1"), items=[user_message("msg_1")])
    await store.conversations.create(conversation("conv_2"))
    assert await store.conversations.get_item(A, "conv_2", "msg_1") is None
    assert await store.conversations.delete_item(A, "conv_2", "msg_1") is False


async def test_delete_item_removes_only_that_item(store: SqlStore, seven_items: None) -> None:
    assert await store.conversations.delete_item(A, "conv_1", "msg_3") is True
    assert await store.conversations.delete_item(A, "conv_1", "msg_3") is False
    assert await store.conversations.get_item(A, "conv_1", "msg_3") is None
    remaining = ids(await store.conversations.all_items(A, "conv_1") or [])
    assert remaining == ["msg_0", "msg_1", "msg_2", "msg_4", "msg_5", "msg_6"]
    assert ids((await page(store, after="msg_4", limit=2)).data) == ["msg_2", "msg_1"]


async def test_json_bodies_round_trip_exactly(store: SqlStore) -> None:
    body: JSONObject = {
        "id": "fc_1",
        "type": "function_call",
        "call_id": "call_1",
        "name": "lookup",
        "arguments": '{"city": "Zürich", "emoji": "🙂", "nul": "\\u0000"}',
        "status": "completed",
        "nested": {"z": 1, "a": [1.5, None, True]},
    }
    await store.conversations.create(conversation(), items=[body])
    stored = await store.conversations.get_item(A, "conv_1", "fc_1")
    assert stored == body and list(stored) == list(body)


# -- concurrency ----------------------------------------------------------------------------------------------


async def test_concurrent_appends_lose_nothing_and_keep_each_append_contiguous(store: SqlStore) -> None:
    await store.conversations.create(conversation())

    async def append(n: int) -> None:
        batch = [user_message(f"msg_{n}_{k}") for k in range(3)]
        assert await store.conversations.append_items(A, "conv_1", batch)

    async with anyio.create_task_group() as tg:
        for n in range(20):
            tg.start_soon(append, n)

    stored = ids(await store.conversations.all_items(A, "conv_1") or [])
    assert len(stored) == 60 and len(set(stored)) == 60
    for start in range(0, 60, 3):
        batch = stored[start : start + 3]
        n = batch[0].split("_")[1]
        assert batch == [f"msg_{n}_{k}" for k in range(3)], stored


async def test_concurrent_appends_to_different_conversations_do_not_mix(store: SqlStore) -> None:
    for name in ("conv_1", "conv_2"):
        await store.conversations.create(conversation(name))

    async def append(name: str, n: int) -> None:
        await store.conversations.append_items(A, name, [user_message(f"{name}_msg_{n}")])

    async with anyio.create_task_group() as tg:
        for n in range(10):
            tg.start_soon(append, "conv_1", n)
            tg.start_soon(append, "conv_2", n)

    for name in ("conv_1", "conv_2"):
        stored = ids(await store.conversations.all_items(A, name) or [])
        assert sorted(stored) == sorted(f"{name}_msg_{n}" for n in range(10))
