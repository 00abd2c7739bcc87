"""``GET /openapi.json``: the committed document is what the build makes, and it describes the real routes.

The rebuild needs the official spec (``$OPENAI_EMULATOR_SPEC``, default ``/work/shared/spec/openapi.yaml``);
where it is missing that one test skips and says so. Schemathesis runs against the document in
``tests/server/test_schemathesis.py``.
"""

from __future__ import annotations

import json
import re

import httpx2
import pytest

from server.app import create_app
from server.config import Settings
from server.openapi import build, document_bytes

pytestmark = pytest.mark.anyio


def test_the_committed_document_is_what_the_build_produces() -> None:
    spec = build.spec_path()
    if not spec.exists():
        pytest.skip(f"the official spec is not at {spec} (set OPENAI_EMULATOR_SPEC to rebuild and compare)")
    produced = build.build_from_file(spec)
    assert produced == build.OUTPUT.read_bytes(), "server/openapi/openapi.json is stale: python -m server.openapi.build"


def test_the_document_lists_exactly_the_operations_of_the_build() -> None:
    document = json.loads(document_bytes())
    listed = [(path, method) for path, operations in document["paths"].items() for method in operations]
    assert listed == list(build.OPERATIONS)
    assert document["servers"] == [{"url": "/v1"}]
    refs = set(re.findall(r'"#/components/(\w+)/([^"]+)"', document_bytes().decode()))
    assert all(name in document["components"][section] for section, name in refs), "a dangling $ref"


async def test_the_document_is_served_without_a_key_and_byte_for_byte(http: httpx2.AsyncClient) -> None:
    response = await http.get("/openapi.json", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == document_bytes()


async def test_every_documented_operation_is_a_real_route(http: httpx2.AsyncClient) -> None:
    for path, method in build.OPERATIONS:
        url = "/v1" + path.format(response_id="resp_x", conversation_id="conv_x", item_id="msg_x", model="gpt-4o")
        response = await http.request(method.upper(), url, json={})
        assert "Invalid URL" not in response.text, (method, url, response.text)


def test_creating_the_app_does_not_read_the_document() -> None:
    # Start-up time matters: the ~450 kB document is read on the first request for it, not before.
    document_bytes.cache_clear()
    create_app(Settings(database_url="sqlite:///:memory:"))
    assert document_bytes.cache_info().currsize == 0
