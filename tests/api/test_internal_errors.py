"""When something breaks inside (here: the database loses its tables), clients still get the real 500 body,
with a request id, and the SDK raises InternalServerError, never a bare traceback or an HTML page."""

from __future__ import annotations

import logging

import httpx2
import openai
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI
from sqlalchemy import text

pytestmark = pytest.mark.anyio

INTERNAL = {
    "message": "The server had an error while processing your request. Sorry about that!",
    "type": "server_error",
    "param": None,
    "code": None,
}


def break_database(app: FastAPI) -> None:
    with app.state.runtime.store.engine.begin() as conn:
        conn.execute(text("DROP TABLE response_items"))
        conn.execute(text("DROP TABLE responses"))


async def test_a_storage_failure_is_the_real_500_envelope(app: FastAPI, http: httpx2.AsyncClient) -> None:
    break_database(app)
    response = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"})
    assert response.status_code == 500 and response.json() == {"error": INTERNAL}
    assert response.headers["x-request-id"].startswith("req_")


async def test_the_sdk_raises_internal_server_error(app: FastAPI, client: AsyncOpenAI) -> None:
    break_database(app)
    with pytest.raises(openai.InternalServerError) as error:
        await client.responses.retrieve("resp_abc")
    assert error.value.body == INTERNAL and error.value.request_id is not None


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/responses"), ("GET", "/v1/responses/resp_abc"), ("GET", "/v1/responses/resp_abc/input_items")],
    ids=["create", "retrieve", "input_items (through FastAPI)"],
)
async def test_an_unhandled_error_is_logged_once_with_its_request_id(
    app: FastAPI, http: httpx2.AsyncClient, caplog: pytest.LogCaptureFixture, method: str, path: str
) -> None:
    break_database(app)
    with caplog.at_level(logging.ERROR, logger="openai_emulator.http"):
        response = await http.request(
            method, path, json={"model": "gpt-4o", "input": "hi"} if method == "POST" else None
        )
    assert response.status_code == 500 and response.json() == {"error": INTERNAL}
    logged = [record for record in caplog.records if "unhandled error" in record.getMessage()]
    assert len(logged) == 1 and response.headers["x-request-id"] in logged[0].getMessage()
    assert logged[0].exc_info is not None
