"""The whole validation table through HTTP: status, envelope and headers exactly as the real API sends them.

The unit table (tests/unit/test_validation_table.py) checks the validator alone; this proves the routes
apply it in the right place (after auth, before any state lookup) and render it the same way.
"""

from __future__ import annotations

import json

import httpx2
import pytest

from tests.validation_cases import CASES, ID_CASES, QUERY_CASES, Case, QueryCase

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_bad_request_gets_the_real_envelope_over_http(http: httpx2.AsyncClient, case: Case) -> None:
    content = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
    response = await http.post(case.endpoint, content=content, headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (case.status, case.error)
    assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize("case", QUERY_CASES, ids=[c.id for c in QUERY_CASES])
async def test_bad_query_gets_the_real_envelope_over_http(http: httpx2.AsyncClient, case: QueryCase) -> None:
    created = (await http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"})).json()
    path = f"/v1/responses/{created['id']}" + ("/input_items" if case.kind == "list" else "")
    response = await http.get(path, params=case.params)
    assert (response.status_code, response.json()) == (case.status, case.error)


RESPONSE_ID_CASES = [case for case in ID_CASES if case[2] == "resp"]


@pytest.mark.parametrize(
    ("value", "param", "prefix", "error"), RESPONSE_ID_CASES, ids=[c[0] for c in RESPONSE_ID_CASES]
)
async def test_malformed_response_id_is_400_on_every_route(
    http: httpx2.AsyncClient, value: str, param: str, prefix: str, error: dict[str, object]
) -> None:
    for method, path in (
        ("GET", f"/v1/responses/{value}"),
        ("DELETE", f"/v1/responses/{value}"),
        ("GET", f"/v1/responses/{value}/input_items"),
    ):
        response = await http.request(method, path)
        assert (response.status_code, response.json()) == (400, error), (method, path)
