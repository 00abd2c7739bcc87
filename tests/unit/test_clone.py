"""``clone`` and ``clone_item``: deep copies, whatever shortcut they take."""

from __future__ import annotations

from typing import Any

import pytest

from server.engine.clone import clone, clone_item

ITEMS: list[dict[str, Any]] = [
    {"id": "msg_1", "type": "message", "status": "in_progress", "content": [], "role": "assistant"},
    {"id": "msg_2", "type": "message", "status": "completed", "content": [{"type": "output_text", "text": "x"}]},
    {"id": "fc_1", "type": "function_call", "arguments": "", "call_id": "call_1", "name": "f"},
]


@pytest.mark.parametrize("item", ITEMS, ids=["empty message", "message with content", "function call"])
def test_clone_item_is_an_equal_copy_that_shares_nothing_mutable(item: dict[str, Any]) -> None:
    copied = clone_item(item)
    assert copied == item == clone(item) and list(copied) == list(item)
    assert copied is not item and copied["type"] == item["type"]
    for key, value in item.items():
        if isinstance(value, (list, dict)):
            assert copied[key] is not value
