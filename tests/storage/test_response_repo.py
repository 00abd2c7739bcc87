"""The ResponseRepo contract, run on every backend by the ``store`` fixture (see conftest.py)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from storage.base import ItemPage, JSONObject, Order, ResponseRecord, ResponseRepo, Store
from storage.sql import SqlStore

pytestmark = pytest.mark.anyio

A = "tenant-a"
B = "tenant-b"


def record(
    response_id: str,
    tenant: str = A,
    *,
    status: str = "completed",
    created_at: int = 1_700_000_000,
    body: JSONObject | None = None,
    **fields: Any,
) -> ResponseRecord:
    if body is None:
        body = {"id": response_id, "object": "response", "status": status}
    return ResponseRecord(id=response_id, tenant=tenant, created_at=created_at, status=status, body=body, **fields)


def user_message(item_id: str, text: str = "hello") -> JSONObject:
    return {
        "id": item_id,
        "type": "message",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_text", "text": text}],
    }


def assistant_message(item_id: str, text: str = "hi") -> JSONObject:
    return {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def ids(items: list[JSONObject]) -> list[str]:
    return [item["id"] for item in items]


async def test_store_satisfies_the_store_and_response_repo_protocols(store: SqlStore) -> None:
    assert isinstance(store, Store)
    assert isinstance(store.responses, ResponseRepo)
    assert await store.ping() is True


# -- insert and get ---------------------------------------------------------------------------------------


async def test_insert_then_get_returns_the_same_record(store: SqlStore) -> None:
    stored = record(
        "resp_3",
        status="in_progress",
        created_at=1_712_345_678,
        previous_response_id="resp_2",
        background=True,
        conversation_id="conv_1",
        body={"id": "resp_3", "object": "response", "output": [], "metadata": {"k": "v"}},
    )
    await store.responses.insert(stored, input_items=[user_message("msg_in")])

    assert await store.responses.get(A, "resp_3") == stored


async def test_insert_with_defaults_round_trips_the_defaults(store: SqlStore) -> None:
    stored = record("resp_1")
    await store.responses.insert(stored, input_items=[])

    got = await store.responses.get(A, "resp_1")
    assert got == stored
    assert got is not None and got.previous_response_id is None


async def test_get_of_an_unknown_id_is_none(store: SqlStore) -> None:
    assert await store.responses.get(A, "resp_missing") is None


async def test_inserting_an_existing_id_raises_key_error_and_keeps_the_first(store: SqlStore) -> None:
    first = record("resp_1", body={"v": 1})
    await store.responses.insert(first, input_items=[user_message("msg_1", "first")])

    with pytest.raises(KeyError):
        await store.responses.insert(
            record("resp_1", status="failed", body={"v": 2}),
            input_items=[user_message("msg_2", "second")],
            output_items=[assistant_message("msg_3")],
        )

    assert await store.responses.get(A, "resp_1") == first
    assert await store.responses.context_items(A, ["resp_1"]) == [user_message("msg_1", "first")]
    assert await store.responses.get_item(A, "msg_2") is None


async def test_a_failure_mid_insert_stores_nothing_of_that_response(store: SqlStore) -> None:
    # The last item cannot be encoded as JSON, so the statement storing the items fails after the response
    # row was written: the transaction must take the row back with it.
    broken = {"id": "msg_bad", "type": "message", "content": object()}

    with pytest.raises(Exception) as raised:  # noqa: B017 - the driver decides which error it raises
        await store.responses.insert(record("resp_1"), input_items=[user_message("msg_1")], output_items=[broken])
    assert not isinstance(raised.value, KeyError)

    assert await store.responses.get(A, "resp_1") is None
    assert await store.responses.context_items(A, ["resp_1"]) == []
    assert await store.responses.get_item(A, "msg_1") is None
    # Nothing is left half-written in the way either: the id can be used again.
    await store.responses.insert(record("resp_1"), input_items=[user_message("msg_1")])
    assert await store.responses.get(A, "resp_1") is not None


async def test_an_item_without_an_id_is_rejected_and_nothing_is_stored(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="id"):
        await store.responses.insert(record("resp_1"), input_items=[{"type": "message", "content": "x"}])

    assert await store.responses.get(A, "resp_1") is None


# -- update -------------------------------------------------------------------------------------------------


async def test_update_replaces_status_body_and_output_items(store: SqlStore) -> None:
    await store.responses.insert(
        record("resp_1", status="in_progress", body={"status": "in_progress"}),
        input_items=[user_message("msg_in")],
        output_items=[assistant_message("msg_old_1"), assistant_message("msg_old_2")],
    )

    changed = await store.responses.update(
        A,
        "resp_1",
        status="completed",
        body={"status": "completed", "output": ["new"]},
        output_items=[assistant_message("msg_new", "final")],
    )

    assert changed is True
    got = await store.responses.get(A, "resp_1")
    assert got is not None
    assert (got.status, got.body) == ("completed", {"status": "completed", "output": ["new"]})
    assert ids(await store.responses.context_items(A, ["resp_1"])) == ["msg_in", "msg_new"]
    assert await store.responses.get_item(A, "msg_old_1") is None
    assert await store.responses.get_item(A, "msg_new") == assistant_message("msg_new", "final")


async def test_update_with_no_output_items_clears_them(store: SqlStore) -> None:
    await store.responses.insert(
        record("resp_1"), input_items=[user_message("msg_in")], output_items=[assistant_message("msg_out")]
    )

    assert await store.responses.update(A, "resp_1", status="failed", body={}, output_items=[])

    assert ids(await store.responses.context_items(A, ["resp_1"])) == ["msg_in"]


async def test_update_of_an_unknown_response_returns_false(store: SqlStore) -> None:
    changed = await store.responses.update(
        A, "resp_missing", status="completed", body={}, output_items=[assistant_message("msg_1")]
    )

    assert changed is False
    assert await store.responses.get_item(A, "msg_1") is None


async def test_update_of_a_deleted_response_returns_false_and_changes_nothing(store: SqlStore) -> None:
    await store.responses.insert(
        record("resp_1", status="in_progress"),
        input_items=[user_message("msg_in")],
        output_items=[assistant_message("msg_out")],
    )
    await store.responses.delete(A, "resp_1")

    changed = await store.responses.update(
        A, "resp_1", status="completed", body={}, output_items=[assistant_message("msg_late")]
    )

    assert changed is False
    assert ids(await store.responses.context_items(A, ["resp_1"])) == ["msg_in", "msg_out"]


# -- delete -------------------------------------------------------------------------------------------------


async def test_delete_hides_the_response_from_get_list_and_get_item(store: SqlStore) -> None:
    await store.responses.insert(
        record("resp_1"), input_items=[user_message("msg_in")], output_items=[assistant_message("msg_out")]
    )

    assert await store.responses.delete(A, "resp_1") is True

    assert await store.responses.get(A, "resp_1") is None
    assert await store.responses.list_input_items(A, "resp_1") is None
    assert await store.responses.get_item(A, "msg_in") is None
    assert await store.responses.get_item(A, "msg_out") is None


async def test_a_second_delete_returns_false(store: SqlStore) -> None:
    await store.responses.insert(record("resp_1"), input_items=[])
    await store.responses.delete(A, "resp_1")

    assert await store.responses.delete(A, "resp_1") is False


async def test_delete_of_an_unknown_response_returns_false(store: SqlStore) -> None:
    assert await store.responses.delete(A, "resp_missing") is False


async def test_a_deleted_id_cannot_be_inserted_again(store: SqlStore) -> None:
    await store.responses.insert(record("resp_1"), input_items=[])
    await store.responses.delete(A, "resp_1")

    with pytest.raises(KeyError):
        await store.responses.insert(record("resp_1"), input_items=[])


# -- tenant isolation ---------------------------------------------------------------------------------------


@pytest.fixture
async def tenant_a_response(store: SqlStore) -> ResponseRecord:
    stored = record("resp_a", tenant=A)
    await store.responses.insert(
        stored, input_items=[user_message("msg_a_in")], output_items=[assistant_message("msg_a_out")]
    )
    return stored


async def test_another_tenant_cannot_get_a_response(store: SqlStore, tenant_a_response: ResponseRecord) -> None:
    assert await store.responses.get(B, "resp_a") is None
    assert await store.responses.get(A, "resp_a") == tenant_a_response


async def test_another_tenant_cannot_list_input_items(store: SqlStore, tenant_a_response: ResponseRecord) -> None:
    assert await store.responses.list_input_items(B, "resp_a") is None
    assert await store.responses.list_input_items(A, "resp_a") == ItemPage([user_message("msg_a_in")])


async def test_another_tenant_cannot_delete_a_response(store: SqlStore, tenant_a_response: ResponseRecord) -> None:
    assert await store.responses.delete(B, "resp_a") is False
    assert await store.responses.get(A, "resp_a") == tenant_a_response


async def test_another_tenant_gets_no_context_items(store: SqlStore, tenant_a_response: ResponseRecord) -> None:
    assert await store.responses.context_items(B, ["resp_a"]) == []
    assert ids(await store.responses.context_items(A, ["resp_a"])) == ["msg_a_in", "msg_a_out"]


async def test_another_tenant_cannot_get_an_item(store: SqlStore, tenant_a_response: ResponseRecord) -> None:
    assert await store.responses.get_item(B, "msg_a_in") is None
    assert await store.responses.get_item(B, "msg_a_out") is None
    assert await store.responses.get_item(A, "msg_a_out") == assistant_message("msg_a_out")


async def test_another_tenant_cannot_update_a_response(store: SqlStore, tenant_a_response: ResponseRecord) -> None:
    changed = await store.responses.update(
        B, "resp_a", status="failed", body={"hijacked": True}, output_items=[assistant_message("msg_b")]
    )

    assert changed is False
    assert await store.responses.get(A, "resp_a") == tenant_a_response
    assert ids(await store.responses.context_items(A, ["resp_a"])) == ["msg_a_in", "msg_a_out"]


# -- list_input_items ---------------------------------------------------------------------------------------

INPUT_IDS = [f"msg_{n:02d}" for n in range(7)]


@pytest.fixture
async def seven_inputs(store: SqlStore) -> None:
    await store.responses.insert(
        record("resp_1"),
        input_items=[user_message(item_id, f"text {item_id}") for item_id in INPUT_IDS],
        output_items=[assistant_message("msg_out")],
    )


async def test_list_input_items_defaults_to_newest_first(store: SqlStore, seven_inputs: None) -> None:
    page = await store.responses.list_input_items(A, "resp_1")

    assert page is not None
    assert ids(page.data) == INPUT_IDS[::-1]
    assert page.has_more is False
    assert page.data[0] == user_message("msg_06", "text msg_06")


async def test_list_input_items_in_ascending_order_is_the_order_sent(store: SqlStore, seven_inputs: None) -> None:
    page = await store.responses.list_input_items(A, "resp_1", order="asc")

    assert page is not None and ids(page.data) == INPUT_IDS


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 2, 3, 6, 7, 8, 100])
async def test_walking_the_pages_yields_every_input_item_once_in_order(
    store: SqlStore, seven_inputs: None, order: Order, limit: int
) -> None:
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = await store.responses.list_input_items(A, "resp_1", after=after, limit=limit, order=order)
        assert page is not None
        pages += 1
        assert len(page.data) <= limit
        seen += ids(page.data)
        if not page.has_more:
            break
        assert len(page.data) == limit
        after = page.data[-1]["id"]

    assert seen == (INPUT_IDS if order == "asc" else INPUT_IDS[::-1])
    assert pages == max(1, -(-len(INPUT_IDS) // limit))


async def test_after_starts_the_page_just_past_that_item(store: SqlStore, seven_inputs: None) -> None:
    asc = await store.responses.list_input_items(A, "resp_1", after="msg_02", limit=2, order="asc")
    desc = await store.responses.list_input_items(A, "resp_1", after="msg_02", limit=2, order="desc")

    assert asc == ItemPage([user_message("msg_03", "text msg_03"), user_message("msg_04", "text msg_04")], True)
    assert desc == ItemPage([user_message("msg_01", "text msg_01"), user_message("msg_00", "text msg_00")], False)


async def test_after_the_last_item_is_an_empty_page(store: SqlStore, seven_inputs: None) -> None:
    page = await store.responses.list_input_items(A, "resp_1", after="msg_06", order="asc")

    assert page == ItemPage([], has_more=False)


async def test_an_unknown_after_gives_an_empty_page(store: SqlStore, seven_inputs: None) -> None:
    assert await store.responses.list_input_items(A, "resp_1", after="msg_nope") == ItemPage([], False)
    # An output item's id is not an input cursor either.
    assert await store.responses.list_input_items(A, "resp_1", after="msg_out") == ItemPage([], False)


async def test_list_input_items_never_includes_output_items(store: SqlStore, seven_inputs: None) -> None:
    page = await store.responses.list_input_items(A, "resp_1", limit=100)

    assert page is not None and "msg_out" not in ids(page.data)


async def test_a_response_without_input_items_lists_an_empty_page(store: SqlStore) -> None:
    await store.responses.insert(record("resp_1"), input_items=[], output_items=[assistant_message("m")])

    assert await store.responses.list_input_items(A, "resp_1") == ItemPage([], False)


async def test_list_input_items_of_an_unknown_response_is_none(store: SqlStore) -> None:
    assert await store.responses.list_input_items(A, "resp_missing") is None


# -- context_items ------------------------------------------------------------------------------------------


@pytest.fixture
async def chain(store: SqlStore) -> list[ResponseRecord]:
    """resp_1 <- resp_2 <- resp_3, each with two inputs and one output."""
    records: list[ResponseRecord] = []
    for n in (1, 2, 3):
        rid = f"resp_{n}"
        stored = record(rid, previous_response_id=records[-1].id if records else None)
        await store.responses.insert(
            stored,
            input_items=[user_message(f"in_{n}a"), user_message(f"in_{n}b")],
            output_items=[assistant_message(f"out_{n}")],
        )
        records.append(stored)
    return records


CHAIN_CONTEXT = ["in_1a", "in_1b", "out_1", "in_2a", "in_2b", "out_2", "in_3a", "in_3b", "out_3"]


async def test_context_items_of_a_chain_are_inputs_then_outputs_oldest_first(
    store: SqlStore, chain: list[ResponseRecord]
) -> None:
    items = await store.responses.context_items(A, [response.id for response in chain])

    assert ids(items) == CHAIN_CONTEXT
    assert items[0] == user_message("in_1a")


async def test_chain_items_follow_previous_response_ids_to_the_root(
    store: SqlStore, chain: list[ResponseRecord]
) -> None:
    items = await store.responses.chain_items(A, "resp_3")

    assert ids(items) == CHAIN_CONTEXT
    assert items[0] == user_message("in_1a")
    assert ids(await store.responses.chain_items(A, "resp_2")) == CHAIN_CONTEXT[:6]
    assert ids(await store.responses.chain_items(A, "resp_1")) == CHAIN_CONTEXT[:3]


async def test_chain_items_keep_a_deleted_middle_response(store: SqlStore, chain: list[ResponseRecord]) -> None:
    await store.responses.delete(A, "resp_2")

    assert ids(await store.responses.chain_items(A, "resp_3")) == CHAIN_CONTEXT
    assert ids(await store.responses.context_items(A, [response.id for response in chain])) == CHAIN_CONTEXT


async def test_chain_items_of_an_unknown_or_foreign_response_are_empty(
    store: SqlStore, chain: list[ResponseRecord]
) -> None:
    assert await store.responses.chain_items(A, "resp_missing") == []
    assert await store.responses.chain_items(B, "resp_3") == []
    # A row of B naming A's response as its previous (the API never makes one) does not lead into A's chain.
    await store.responses.insert(
        record("resp_b", tenant=B, previous_response_id="resp_3"), input_items=[user_message("in_b")]
    )
    assert ids(await store.responses.chain_items(B, "resp_b")) == ["in_b"]


async def test_chain_items_of_a_chain_a_thousand_deep_come_in_one_piece(store: SqlStore) -> None:
    previous = None
    for n in range(1000):
        await store.responses.insert(
            record(f"resp_{n}", previous_response_id=previous),
            input_items=[user_message(f"in_{n}")],
            output_items=[assistant_message(f"out_{n}")],
        )
        previous = f"resp_{n}"

    items = await store.responses.chain_items(A, "resp_999")

    assert ids(items) == [f"{role}_{n}" for n in range(1000) for role in ("in", "out")]


async def test_context_items_follow_the_order_of_the_ids_given(store: SqlStore, chain: list[ResponseRecord]) -> None:
    items = await store.responses.context_items(A, ["resp_3", "resp_missing", "resp_1"])

    assert ids(items) == ["in_3a", "in_3b", "out_3", "in_1a", "in_1b", "out_1"]


async def test_context_items_of_no_responses_is_empty(store: SqlStore) -> None:
    assert await store.responses.context_items(A, []) == []


# -- get_item -----------------------------------------------------------------------------------------------


async def test_get_item_finds_input_and_output_items(store: SqlStore, chain: list[ResponseRecord]) -> None:
    assert await store.responses.get_item(A, "in_2b") == user_message("in_2b")
    assert await store.responses.get_item(A, "out_3") == assistant_message("out_3")
    assert await store.responses.get_item(A, "msg_missing") is None


async def test_get_item_of_an_id_sent_again_returns_the_first_stored(store: SqlStore) -> None:
    await store.responses.insert(
        record("resp_1", created_at=100), input_items=[], output_items=[assistant_message("msg_x", "one")]
    )
    await store.responses.insert(record("resp_2", created_at=200), input_items=[assistant_message("msg_x", "two")])

    assert await store.responses.get_item(A, "msg_x") == assistant_message("msg_x", "one")
    await store.responses.delete(A, "resp_1")
    assert await store.responses.get_item(A, "msg_x") == assistant_message("msg_x", "two")


# -- JSON fidelity ------------------------------------------------------------------------------------------

AWKWARD_BODY: JSONObject = {
    "text": "héllo wörld — ünïcødé ✓ 日本語 中文 한국어 العربية עברית 🎉👩‍👩‍👧 é (e + combining)",
    "escapes": "quotes \" ' backslash \\ newline \n tab \t slash / <tag> & ; -- DROP TABLE",
    "control": "nul \x00 bell \x07 lone surrogate \ud800 bom \ufeff",
    "numbers": [0, -1, 2**53, 2**63 - 1, 1.5, -0.25, -0.0, 1.0, 1e-7, 1e16, 6.02e23],
    "literals": [True, False, None],
    "empty": {"list": [], "object": {}, "string": ""},
    "nested": {"a": [{"b": [{"c": {"d": ["deep", {"e": None}]}}]}]},
    "keys with spaces and ünïcode": {"😀": "emoji key", "": "empty key"},
}


async def test_json_bodies_with_unicode_and_nesting_round_trip_exactly(store: SqlStore) -> None:
    item = {"id": "msg_1", "type": "message", **AWKWARD_BODY}
    await store.responses.insert(
        record("resp_1", body=AWKWARD_BODY, previous_response_id="résp_0"),
        input_items=[item],
        output_items=[item | {"id": "msg_2"}],
    )

    got = await store.responses.get(A, "resp_1")
    assert got is not None
    assert got.body == AWKWARD_BODY
    assert got.previous_response_id == "résp_0"
    assert await store.responses.get_item(A, "msg_1") == item
    page = await store.responses.list_input_items(A, "resp_1")
    assert page is not None and page.data == [item]
    assert await store.responses.context_items(A, ["resp_1"]) == [item, item | {"id": "msg_2"}]
    # Exactly: key order, number spelling and types too, not just values that compare equal (True == 1).
    assert json.dumps(got.body) == json.dumps(AWKWARD_BODY)
    assert [type(v) for v in got.body["numbers"]] == [type(v) for v in AWKWARD_BODY["numbers"]]
    assert [type(v) for v in got.body["literals"]] == [bool, bool, type(None)]


# -- concurrency --------------------------------------------------------------------------------------------


async def test_fifty_concurrent_inserts_all_land(store: SqlStore) -> None:
    async def insert_one(n: int) -> None:
        await store.responses.insert(
            record(f"resp_{n:02d}", tenant=A if n % 2 else B),
            input_items=[user_message(f"in_{n:02d}_{k}") for k in range(3)],
            output_items=[assistant_message(f"out_{n:02d}")],
        )

    async with anyio.create_task_group() as tg:
        for n in range(50):
            tg.start_soon(insert_one, n)

    for n in range(50):
        tenant = A if n % 2 else B
        assert await store.responses.get(tenant, f"resp_{n:02d}") is not None
        context = await store.responses.context_items(tenant, [f"resp_{n:02d}"])
        assert ids(context) == [f"in_{n:02d}_0", f"in_{n:02d}_1", f"in_{n:02d}_2", f"out_{n:02d}"]


async def test_concurrent_reads_and_writes_of_one_response_stay_consistent(store: SqlStore) -> None:
    await store.responses.insert(record("resp_1"), input_items=[user_message("msg_in")])

    async def writer(n: int) -> None:
        outputs = [assistant_message(f"out_{n}_{k}") for k in range(n % 4)]
        assert await store.responses.update(A, "resp_1", status=f"s{n}", body={"n": n}, output_items=outputs)

    async def reader() -> None:
        context = await store.responses.context_items(A, ["resp_1"])
        # Never a mix of two updates' outputs: each update replaced them all at once.
        writers = {item["id"].split("_")[1] for item in context[1:]}
        assert len(writers) <= 1

    async with anyio.create_task_group() as tg:
        for n in range(20):
            tg.start_soon(writer, n)
            tg.start_soon(reader)
