"""The chain cache (server.engine.chain) gives exactly the context a rebuild from the database gives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from server.engine.chain import ChainCache, ChainContext
from server.engine.compaction import Compactor, flatten
from server.engine.context import check_tool_call_pairing
from server.errors import InvalidRequestError
from storage.base import ResponseRecord
from storage.sql import SqlStore, open_store

pytestmark = pytest.mark.anyio

T = "tenant"
COMPACTOR = Compactor("test-secret")


def user(n: int) -> dict[str, Any]:
    return {"id": f"msg_u{n}", "type": "message", "role": "user", "content": [{"type": "input_text", "text": f"q{n}"}]}


def reply(n: int) -> dict[str, Any]:
    text = {"type": "output_text", "text": f"answer number {n}", "annotations": []}
    return {"id": f"msg_a{n}", "type": "message", "role": "assistant", "status": "completed", "content": [text]}


def call(n: int) -> dict[str, Any]:
    return {"id": f"fc_{n}", "type": "function_call", "call_id": f"call_{n}", "name": "f", "arguments": "{}"}


def output(n: int) -> dict[str, Any]:
    return {"id": f"fco_{n}", "type": "function_call_output", "call_id": f"call_{n}", "output": "ok"}


@pytest.fixture
async def store() -> AsyncIterator[SqlStore]:
    opened = open_store("sqlite://")
    yield opened
    await opened.close()


async def add_chain(store: SqlStore, turns: list[tuple[list[Any], list[Any]]], status: str = "completed") -> list[str]:
    """Store one response per (input items, output items), each continuing the previous; their ids."""
    ids: list[str] = []
    for n, (inputs, outputs) in enumerate(turns):
        rid = f"resp_{n:04d}"
        body = {"id": rid, "object": "response", "status": status, "output": outputs}
        previous = ids[-1] if ids else None
        record = ResponseRecord(id=rid, tenant=T, created_at=n, status=status, body=body, previous_response_id=previous)
        await store.responses.insert(record, input_items=inputs, output_items=outputs)
        ids.append(rid)
    return ids


async def record(store: SqlStore, rid: str) -> ResponseRecord:
    found = await store.responses.get(T, rid)
    assert found is not None
    return found


def mixed_turns() -> list[tuple[list[Any], list[Any]]]:
    """A chain with replies, tool calls answered in the next turn, and a compaction item half way."""
    turns: list[tuple[list[Any], list[Any]]] = []
    for n in range(12):
        inputs: list[Any] = [user(n)] if n % 3 else [output(n - 1)] if n else [user(n)]
        outputs: list[Any] = [call(n)] if n % 3 == 2 else [reply(n)]
        turns.append((inputs, outputs))
    summary = COMPACTOR.item([user(0), reply(1), user(1)], "cmp_1")
    turns.append(([summary, user(99)], [reply(99)]))
    turns.append(([output(11), user(100)], [reply(100)]))
    return turns


async def test_a_context_grown_step_by_step_equals_one_built_from_the_whole_chain(store: SqlStore) -> None:
    ids = await add_chain(store, mixed_turns())
    warm = ChainCache(store.responses, COMPACTOR)
    for rid in ids:  # each step extends its parent's cached context by the response's own items
        stepwise = await warm.context(T, await record(store, rid))
        cold = await ChainCache(store.responses, COMPACTOR).context(T, await record(store, rid))
        rebuilt = ChainContext.build(COMPACTOR, await store.responses.context_items(T, ids[: ids.index(rid) + 1]))
        assert stepwise == cold == rebuilt
        assert stepwise.flat == tuple(flatten(stepwise.entries))  # what the next request's context starts with


async def test_a_history_that_breaks_pairing_keeps_no_pairing_state(store: SqlStore) -> None:
    ids = await add_chain(store, [([user(1)], [reply(1)]), ([output(7)], [reply(2)])])
    context = await ChainCache(store.responses, COMPACTOR).context(T, await record(store, ids[-1]))
    assert context.pairing is None  # a request continuing it is checked over its whole context
    with pytest.raises(InvalidRequestError, match="No tool call found for function call output with call_id call_7"):
        check_tool_call_pairing(list(context.items))


async def test_a_running_response_is_not_kept(store: SqlStore) -> None:
    [rid] = await add_chain(store, [([user(1)], [])], status="in_progress")
    cache = ChainCache(store.responses, COMPACTOR)
    before = await cache.context(T, await record(store, rid))
    body = {"id": rid, "object": "response", "status": "completed", "output": [reply(1)]}
    await store.responses.update(T, rid, status="completed", body=body, output_items=[reply(1)])
    after = await cache.context(T, await record(store, rid))
    assert [item["id"] for item in before.items] == ["msg_u1"]
    assert [item["id"] for item in after.items] == ["msg_u1", "msg_a1"]


async def test_the_cache_holds_at_most_its_items_however_deep_chains_grow(store: SqlStore) -> None:
    ids = await add_chain(store, [([user(n)], [reply(n)]) for n in range(20)])
    cache = ChainCache(store.responses, COMPACTOR, max_items=60)
    for rid in ids:  # the contexts hold 2, 4, ..., 40 items: the newest that fit in 60 are kept
        await cache.context(T, await record(store, rid))
    assert sum(len(context.items) for context in cache._contexts.values()) <= 60
    assert [key[1] for key in cache._contexts] == ids[-1:]  # 40 + 38 > 60
    deeper = ChainCache(store.responses, COMPACTOR, max_items=10)
    await deeper.context(T, await record(store, ids[-1]))  # 40 items: more than the whole cache holds
    assert not deeper._contexts


async def test_tenants_do_not_share_contexts(store: SqlStore) -> None:
    [rid] = await add_chain(store, [([user(1)], [reply(1)])])
    cache = ChainCache(store.responses, COMPACTOR)
    await cache.context(T, await record(store, rid))
    other = ResponseRecord(id=rid, tenant="other", created_at=0, status="completed", body={})
    assert (await cache.context("other", other)).items == ()  # read for its own tenant, which has nothing
