"""Every row of ``tests/validation_cases.py`` gets exactly its expected status and error envelope."""

from __future__ import annotations

import pytest

from scenarios.catalogue import resolve
from server.errors import APIError
from server.protocol import (
    check_id,
    check_model_capabilities,
    parse_json_body,
    parse_list_query,
    parse_retrieve_query,
    validate_create_body,
    validate_input_tokens_body,
)
from tests.validation_cases import CASES, ID_CASES, INPUT_TOKENS, QUERY_CASES, Case, QueryCase


def _run(case: Case) -> None:
    raw = case.body if isinstance(case.body, bytes) else None
    payload = parse_json_body(raw) if raw is not None else case.body
    if case.endpoint == INPUT_TOKENS:
        request = validate_input_tokens_body(payload)
    else:
        request = validate_create_body(payload)
    check_model_capabilities(request, resolve(request.model))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_request_gets_the_real_apis_error(case: Case) -> None:
    with pytest.raises(APIError) as caught:
        _run(case)
    assert (caught.value.status_code, caught.value.envelope()) == (case.status, case.error)


@pytest.mark.parametrize("case", QUERY_CASES, ids=[c.id for c in QUERY_CASES])
def test_bad_query_string_gets_the_real_apis_error(case: QueryCase) -> None:
    parse = parse_list_query if case.kind == "list" else parse_retrieve_query
    with pytest.raises(APIError) as caught:
        parse(case.params)
    assert (caught.value.status_code, caught.value.envelope()) == (case.status, case.error)


@pytest.mark.parametrize(("value", "param", "prefix", "error"), ID_CASES, ids=[c[0] for c in ID_CASES])
def test_malformed_path_id_is_a_400(value: str, param: str, prefix: str, error: dict[str, object]) -> None:
    with pytest.raises(APIError) as caught:
        check_id(value, param=param, prefix=prefix)
    assert (caught.value.status_code, caught.value.envelope()) == (400, error)


def test_table_is_large_and_ids_are_unique() -> None:
    ids = [c.id for c in CASES] + [c.id for c in QUERY_CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 80


def test_capability_rows_name_their_model_in_the_body() -> None:
    for case in CASES:
        if case.stage == "capability":
            assert isinstance(case.body, dict) and isinstance(case.body.get("model"), str), case.id
