"""The Response skeleton comes out in the real API's key order without being reordered (issue 8)."""

from __future__ import annotations

from typing import Any

import pytest

from scenarios.catalogue import resolve
from server.engine.skeleton import build_skeleton, ordered
from server.protocol.requests import CreateResponseRequest

REQUESTS: dict[str, dict[str, Any]] = {
    "plain": {"model": "gpt-4o", "input": "hi"},
    "background": {"model": "gpt-4o", "input": "hi", "background": True, "store": False},
    "reasoning": {"model": "o3", "input": "hi", "reasoning": {"effort": "high", "summary": "auto"}},
    "tools": {
        "model": "gpt-4o",
        "input": "hi",
        "tools": [{"type": "function", "name": "f"}],
        "tool_choice": "required",
    },
    "conversation": {"model": "gpt-4o", "input": "hi", "conversation": "conv_1"},
    "prompt": {"model": "gpt-4o", "prompt": {"id": "pmpt_1", "version": "2"}},
    "prompt_cache_options": {"model": "gpt-4o", "input": "hi", "prompt_cache_options": {"mode": "implicit"}},
}


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_the_skeleton_is_in_the_real_key_order(name: str) -> None:
    body = REQUESTS[name]
    request = CreateResponseRequest.from_body(body)
    skeleton = build_skeleton(request, resolve(body["model"]), response_id="resp_1", created_at=1)
    assert ordered(skeleton) is skeleton  # ordered() hands back a dict already in order unchanged
    keys = list(skeleton)
    assert keys[:4] == ["id", "object", "created_at", "status"] and keys[-1] == "metadata"
    assert keys[4:-1] == sorted(keys[4:-1])
