"""Schemathesis against a real server, with the document it serves at ``GET /openapi.json``.

Each operation of the document gets ``SCHEMATHESIS_EXAMPLES`` generated requests (50 in CI; 300 for a longer
hunt): schema-valid ones, the same steered, and schema-invalid ones. Every answer must be no 5xx, a
documented status with a documented content type, and a body (or every event of a stream) valid against the
document's schema for that status; every invalid request must get a 4xx. The spec is looser than the real
API (it lets unknown keys through, and a missing ``model``), so the steered cases keep only the keys the
emulator knows and use real ids of objects made before the run and a known model: most of them succeed, so
200 bodies and streams are checked too. Deterministic: derandomized, the same requests on every run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.openapi import document_bytes
from server.openapi.build import OPERATIONS
from server.protocol import conversations
from server.protocol.create import COMPACT_KEYS, CREATE_KEYS, INPUT_TOKENS_KEYS
from tests.server.conftest import LiveServer, start_server, stop_server

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "50"))
AUTH = {"Authorization": "Bearer sk-test-schemathesis"}
# The checks that hold for this API. Left out: `unsupported_method` (the real API answers an undeclared
# method with 404 "Invalid URL", not 405), `positive_data_acceptance` (the spec admits what the real API
# refuses: unknown keys, a missing `model`), and the stateful ones (no links in the document).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,  # only judges negative cases: they must get a 4xx
]


@dataclass
class Fixtures:
    """Objects made before the run, whose ids steer positive cases to the 200 paths."""

    responses: list[str]  # retrieve, cancel, input items, previous_response_id
    doomed_responses: list[str]  # for DELETE only, so the others live through the run
    conversations: list[str]
    doomed_conversations: list[str]
    items: list[str]  # in conversations[0]
    doomed_items: list[str]  # in conversations[0], for DELETE only
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)

    def ids_for(self, method: str, path: str, name: str) -> list[str]:
        # A DELETE gets ids of its own, so that the other operations find their objects alive.
        doomed = method == "DELETE" and path.endswith("{" + name + "}")
        if name == "response_id":
            return self.doomed_responses if doomed else self.responses
        if name == "conversation_id":
            return self.doomed_conversations if doomed else self.conversations
        if name == "item_id":
            return self.doomed_items if doomed else self.items
        return []


def make_fixtures(base_url: str) -> Fixtures:
    with httpx2.Client(base_url=base_url, headers=AUTH, timeout=30) as http:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = http.post(path, json=body)
            assert response.status_code == 200, response.text
            result: dict[str, Any] = response.json()
            return result

        responses = [post("/responses", {"model": "gpt-4o", "input": f"hello {n}"})["id"] for n in range(2)]
        responses.append(post("/responses", {"model": "gpt-4o", "input": "later", "background": True})["id"])
        doomed = [post("/responses", {"model": "gpt-4o", "input": f"doomed {n}"})["id"] for n in range(3)]
        items = [{"type": "message", "role": "user", "content": f"item {n}"} for n in range(6)]
        conversation = post("/conversations", {"items": items})["id"]
        listed = http.get(f"/conversations/{conversation}/items", params={"order": "asc"}).json()["data"]
        doomed_conversations = [post("/conversations", {})["id"] for _ in range(3)]
    ids = [item["id"] for item in listed]
    return Fixtures(responses, doomed, [conversation], doomed_conversations, ids[:3], ids[3:])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"OPENAI_EMULATOR_SEED": "7", "OPENAI_EMULATOR_DEMO_WORDS_PER_SECOND": "0"}
    live = start_server(tmp_path_factory.mktemp("schemathesis"), env=env)
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def fixtures(server: LiveServer) -> Fixtures:
    return make_fixtures(server.base_url)


# The top-level keys the emulator accepts per body: steered cases keep only these (the spec lets any extra
# key through, which the real API refuses with "Unknown parameter").
BODY_KEYS: dict[str, tuple[str, ...]] = {
    "/responses": CREATE_KEYS,
    "/responses/input_tokens": INPUT_TOKENS_KEYS,
    "/responses/compact": COMPACT_KEYS,
    "/conversations": conversations.CREATE_KEYS,
    "/conversations/{conversation_id}": conversations.UPDATE_KEYS,
    "/conversations/{conversation_id}/items": conversations.ITEMS_CREATE_KEYS,
}
INPUTS: list[Any] = [
    "hello",
    [{"role": "user", "content": "hi"}],
    [{"type": "message", "role": "user", "content": "x"}],
]


def _steered(case: Case, fixtures: Fixtures) -> st.SearchStrategy[Case]:
    """``case`` with real ids for its path parameters and, in its body, only known keys, a known model, an
    input, and real ids: most such requests succeed, so the 200 bodies and streams get checked too."""
    method = case.method.upper()
    path_choices = {
        name: st.sampled_from(ids)
        for name in case.path_parameters or {}
        if (ids := fixtures.ids_for(method, case.path, name))
    }
    keys = BODY_KEYS.get(case.path) if method == "POST" else None
    body: dict[str, Any] = {}
    body_choices: dict[str, st.SearchStrategy[Any]] = {}
    if keys is not None:
        body = {key: value for key, value in case.body.items() if key in keys} if isinstance(case.body, dict) else {}
    if keys is not None and case.path.startswith("/responses"):
        body_choices["model"] = st.sampled_from(["gpt-4o", "gpt-4.1-mini", "o3"])
        if "input" not in body:
            body_choices["input"] = st.sampled_from(INPUTS)
        if isinstance(body.get("previous_response_id"), str):
            body_choices["previous_response_id"] = st.sampled_from(fixtures.responses[:2])
        if isinstance(body.get("conversation"), str):
            body_choices["conversation"] = st.sampled_from(fixtures.conversations)
    if keys is not None and case.path.endswith("/items") and not isinstance(body.get("items"), list):
        body_choices["items"] = st.sampled_from(INPUTS[1:])

    def apply(path: dict[str, Any], fields: dict[str, Any]) -> Case:
        if path:
            case.path_parameters = {**(case.path_parameters or {}), **path}
        if keys is not None:
            case.body = {**body, **fields}
        return case

    return st.tuples(st.fixed_dictionaries(path_choices), st.fixed_dictionaries(body_choices)).map(
        lambda chosen: apply(*chosen)
    )


@pytest.fixture(scope="module")
def operations() -> dict[str, APIOperation]:
    """The committed document (the bytes the server serves: checked below), loaded once, not at collection."""
    # No learning from earlier answers (captured values, error messages): the same requests on every run.
    fuzzing = {"extra-data-sources": {"responses": False}, "error-feedback": {"enabled": False}}
    config = SchemathesisConfig.from_dict({"seed": 0, "headers": AUTH, "phases": {"fuzzing": fuzzing}})
    schema = schemathesis.openapi.from_dict(json.loads(document_bytes()), config=config)
    return {result.ok().label: result.ok() for result in schema.get_all_operations()}


def test_the_server_serves_the_committed_document(server: LiveServer) -> None:
    response = httpx2.get(server.base_url.removesuffix("/v1") + "/openapi.json")  # no key: the doc is public
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == document_bytes()


@pytest.mark.parametrize("label", [f"{method.upper()} {path}" for path, method in OPERATIONS])
def test_every_operation_conforms_to_the_served_document(
    label: str, operations: dict[str, APIOperation], server: LiveServer, fixtures: Fixtures
) -> None:
    operation = operations[label]
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    cases = st.one_of(
        positive,
        positive.flatmap(lambda case: _steered(case, fixtures)),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same requests on every run: CI's verdict does not depend on the draw
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def run(case: Case) -> None:
        response = case.call_and_validate(base_url=server.base_url, headers=AUTH, checks=CHECKS)
        fixtures.statuses[(label, response.status_code)] += 1

    run()


def test_report(fixtures: Fixtures) -> None:
    """Print what the run above covered (see it with ``-s``): requests and statuses per operation."""
    per_operation: Counter[str] = Counter()
    for (label, _), count in fixtures.statuses.items():
        per_operation[label] += count
    for label, total in per_operation.items():
        statuses = {status: n for (name, status), n in sorted(fixtures.statuses.items()) if name == label}
        print(f"{label:60} {total:5} requests  {statuses}")
    print(f"{len(per_operation)} operations, {sum(per_operation.values())} requests, {EXAMPLES} examples per operation")
