"""Bugs schemathesis found (tests/server/test_schemathesis.py), pinned as plain tests."""

from __future__ import annotations

import httpx2
import pytest

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("sent_id", ["", None])
async def test_an_item_with_an_empty_or_null_id_gets_a_fresh_one(http: httpx2.AsyncClient, sent_id: object) -> None:
    # Was a 500: the sent `"id": ""` overwrote the generated id and the store refused the item.
    item = {"type": "custom_tool_call", "id": sent_id, "call_id": "call_1", "name": "f", "input": ""}
    created = await http.post("/v1/conversations", json={"items": [item]})
    assert created.status_code == 200, created.text
    listed = (await http.get(f"/v1/conversations/{created.json()['id']}/items")).json()["data"]
    assert [entry["type"] for entry in listed] == ["custom_tool_call"]
    assert listed[0]["id"].startswith("ctc_"), listed[0]


@pytest.mark.parametrize("item", [{"id": ""}, {"type": "item_reference", "id": ""}])
async def test_a_conversation_item_reference_with_an_empty_id_is_a_404(http: httpx2.AsyncClient, item: object) -> None:
    # Was a 500: the reference was stored as it came, and the store refused an item without an id.
    # Now the 404 that `input` of POST /v1/responses gets for the same reference.
    for path in ("/v1/conversations", "/v1/conversations/conv_missing/items"):
        response = await http.post(path, json={"items": [item]})
        assert response.status_code == 404, response.text
        assert response.json()["error"]["message"] == "Item with id '' not found."
