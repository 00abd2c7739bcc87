"""Tenant isolation over every route that takes an id, the admin token, and secrets kept out of sight.

For each route, tenant B's answer for tenant A's id must be exactly the answer for a random unknown id of the
same shape (status and envelope, the id itself aside): B cannot even learn that A's id exists. A's own answer
is checked too, so that each row tests a real id.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI

from tests.api.conftest import BASE_URL
from tests.server.conftest import start_server, stop_server

pytestmark = pytest.mark.anyio

KEY_A = "sk-isolation-alice-0123456789abcdefSECRET"
KEY_B = "sk-isolation-bob-0123456789abcdefSECRET"
ADMIN_TOKEN = "adm-isolation-token-0123456789SECRET"
WEBHOOK_SECRET = "whsec_isolationWebhookSecret0123456789"


def raw_client(app: FastAPI, key: str | None, **headers: str) -> httpx2.AsyncClient:
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL, headers=headers)


def unknown_like(known: str) -> str:
    """A random id with the prefix, length and alphabet of ``known``."""
    prefix, _, rest = known.partition("_")
    alphabet = string.hexdigits.lower()[:16] if all(c in "0123456789abcdef" for c in rest) else string.ascii_letters
    return f"{prefix}_{''.join(secrets.choice(alphabet) for _ in rest)}"


async def sse_events(http: httpx2.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await http.post("/v1/responses", json=body)
    assert response.status_code == 200, response.text
    return [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]


class World:
    """What tenant A owns, made through the API."""

    response: str
    message: str  # an output item of ``response``
    background: str
    conversation: str
    conversation_item: str


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "admin_token": ADMIN_TOKEN,
        "webhook_url": "http://127.0.0.1:9/hooks",  # nothing listens: deliveries fail, and are logged
        "webhook_secret": WEBHOOK_SECRET,
    }


@pytest.fixture
async def alice(app: FastAPI) -> AsyncIterator[httpx2.AsyncClient]:
    async with raw_client(app, KEY_A, **{"x-emulator-admin-token": ADMIN_TOKEN}) as http:
        yield http


@pytest.fixture
async def bob(app: FastAPI) -> AsyncIterator[httpx2.AsyncClient]:
    async with raw_client(app, KEY_B, **{"x-emulator-admin-token": ADMIN_TOKEN}) as http:
        yield http


@pytest.fixture
async def world(alice: httpx2.AsyncClient) -> World:
    w = World()
    created = (await alice.post("/v1/responses", json={"model": "gpt-4o", "input": "alice's words"})).json()
    w.response, w.message = created["id"], created["output"][0]["id"]
    events = await sse_events(
        alice, {"model": "gpt-4o", "input": "alice in the background", "background": True, "stream": True}
    )
    w.background = events[0]["response"]["id"]
    conversation = (
        await alice.post("/v1/conversations", json={"items": [{"role": "user", "content": "alice's secret plan"}]})
    ).json()
    w.conversation = conversation["id"]
    items = (await alice.get(f"/v1/conversations/{w.conversation}/items")).json()
    w.conversation_item = items["data"][0]["id"]
    return w


# (name, method, path, body): {resp} {msg} {bg} {conv} {item} are A's ids, or unknown ones of the same shape.
ROUTES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("retrieve", "GET", "/v1/responses/{resp}", None),
    ("retrieve-include", "GET", "/v1/responses/{resp}?include[]=message.output_text.logprobs", None),
    ("input-items", "GET", "/v1/responses/{resp}/input_items", None),
    ("cancel", "POST", "/v1/responses/{bg}/cancel", None),
    ("stream-replay", "GET", "/v1/responses/{bg}?stream=true", None),
    ("stream-replay-after", "GET", "/v1/responses/{bg}?stream=true&starting_after=2", None),
    ("previous-response", "POST", "/v1/responses", {"model": "gpt-4o", "input": "x", "previous_response_id": "{resp}"}),
    (
        "previous-response-stream",
        "POST",
        "/v1/responses",
        {"model": "gpt-4o", "input": "x", "previous_response_id": "{resp}", "stream": True},
    ),
    (
        "previous-response-background",
        "POST",
        "/v1/responses",
        {"model": "gpt-4o", "input": "x", "previous_response_id": "{resp}", "background": True},
    ),
    (
        "item-reference",
        "POST",
        "/v1/responses",
        {"model": "gpt-4o", "input": [{"type": "item_reference", "id": "{msg}"}]},
    ),
    (
        "input-tokens-previous",
        "POST",
        "/v1/responses/input_tokens",
        {"model": "gpt-4o", "input": "x", "previous_response_id": "{resp}"},
    ),
    ("compact-previous", "POST", "/v1/responses/compact", {"model": "gpt-4o", "previous_response_id": "{resp}"}),
    ("conversation-get", "GET", "/v1/conversations/{conv}", None),
    ("conversation-update", "POST", "/v1/conversations/{conv}", {"metadata": {"by": "bob"}}),
    ("conversation-items", "GET", "/v1/conversations/{conv}/items", None),
    (
        "conversation-items-create",
        "POST",
        "/v1/conversations/{conv}/items",
        {"items": [{"role": "user", "content": "bob was here"}]},
    ),
    ("conversation-item-get", "GET", "/v1/conversations/{conv}/items/{item}", None),
    ("conversation-in-response", "POST", "/v1/responses", {"model": "gpt-4o", "input": "x", "conversation": "{conv}"}),
    (
        "conversation-object-in-response",
        "POST",
        "/v1/responses",
        {"model": "gpt-4o", "input": "x", "conversation": {"id": "{conv}"}},
    ),
    (
        "conversation-input-tokens",
        "POST",
        "/v1/responses/input_tokens",
        {"model": "gpt-4o", "input": "x", "conversation": "{conv}"},
    ),
    # Destructive ones last: after them, A's data must still be whole (checked below).
    ("conversation-item-delete", "DELETE", "/v1/conversations/{conv}/items/{item}", None),
    ("conversation-delete", "DELETE", "/v1/conversations/{conv}", None),
    ("delete", "DELETE", "/v1/responses/{resp}", None),
]


def fill(template: Any, ids: dict[str, str]) -> Any:
    text = json.dumps(template) if not isinstance(template, str) else template
    for name, value in ids.items():
        text = text.replace("{" + name + "}", value)
    return json.loads(text) if not isinstance(template, str) else text


def normalised(response: httpx2.Response, ids: dict[str, str]) -> tuple[int, str, str]:
    """Status, content type and body with the ids used replaced by their names."""
    body = response.text
    for name, value in ids.items():
        body = body.replace(value, f"<{name}>")
    return response.status_code, response.headers.get("content-type", ""), body


async def ask(http: httpx2.AsyncClient, method: str, path: str, body: Any) -> httpx2.Response:
    return await http.request(method, path, json=body) if body is not None else await http.request(method, path)


async def test_tenant_b_gets_exactly_the_unknown_id_answer_on_every_route(
    alice: httpx2.AsyncClient, bob: httpx2.AsyncClient, world: World
) -> None:
    a_ids = {
        "resp": world.response,
        "msg": world.message,
        "bg": world.background,
        "conv": world.conversation,
        "item": world.conversation_item,
    }
    checked = []
    for name, method, path, body in ROUTES:
        unknown_ids = {key: unknown_like(value) for key, value in a_ids.items()}
        unknown = await ask(bob, method, fill(path, unknown_ids), fill(body, unknown_ids) if body else None)
        as_b = await ask(bob, method, fill(path, a_ids), fill(body, a_ids) if body else None)
        assert 400 <= unknown.status_code < 500, (name, unknown.text)
        assert normalised(as_b, a_ids) == normalised(unknown, unknown_ids), name
        error = as_b.json()["error"]
        assert list(error) == ["message", "type", "param", "code"], name
        checked.append((name, as_b.status_code))
    print(f"\nisolation matrix: {len(checked)} routes, B's answers: {sorted({s for _, s in checked})}")

    # B's attempts changed nothing of A's.
    assert (await alice.get(f"/v1/responses/{world.response}")).status_code == 200
    assert (await alice.get(f"/v1/responses/{world.background}")).json()["status"] != "cancelled"
    conversation = await alice.get(f"/v1/conversations/{world.conversation}")
    assert conversation.status_code == 200 and conversation.json()["metadata"] == {}
    items = (await alice.get(f"/v1/conversations/{world.conversation}/items")).json()["data"]
    assert [item["id"] for item in items] == [world.conversation_item]
    assert "bob was here" not in json.dumps(items)


async def test_a_s_own_answers_are_real_so_the_matrix_tests_something(alice: httpx2.AsyncClient, world: World) -> None:
    ids = {
        "resp": world.response,
        "msg": world.message,
        "bg": world.background,
        "conv": world.conversation,
        "item": world.conversation_item,
    }
    for name, method, path, body in ROUTES:
        if name in {"cancel", "compact-previous"}:
            continue  # a finished job cannot be cancelled; compaction is covered by its own tests
        response = await ask(alice, method, fill(path, ids), fill(body, ids) if body else None)
        assert response.status_code == 200, (name, response.text[:300])


async def test_b_cannot_see_or_remove_a_s_scenarios_or_journal(
    alice: httpx2.AsyncClient, bob: httpx2.AsyncClient, world: World
) -> None:
    scenario = "scenarios:\n  - name: alice-only\n    turns:\n      - output:\n          - message: for alice\n"
    assert (await alice.post("/__emulator__/scenarios", content=scenario)).status_code == 200
    unknown = await bob.delete(f"/__emulator__/scenarios/{unknown_like('alice_only0')}")
    as_b = await bob.delete("/__emulator__/scenarios/alice-only")
    assert as_b.status_code == unknown.status_code == 404
    assert as_b.json()["error"]["type"] == unknown.json()["error"]["type"]
    assert "alice-only" not in (await bob.get("/__emulator__/scenarios")).text
    reply = (await bob.post("/v1/responses", json={"model": "gpt-4o", "input": "hello"})).json()
    assert "for alice" not in json.dumps(reply)
    assert "alice-only" in (await alice.get("/__emulator__/scenarios")).text

    journal_b = (await bob.get("/__emulator__/journal", params={"limit": 1000})).text
    for own in (world.response, world.background, world.conversation, "alice's"):
        assert own not in journal_b
    journal_a = (await alice.get("/__emulator__/journal", params={"limit": 1000})).text
    assert world.response in journal_a
    assert (await bob.delete("/__emulator__/journal")).status_code == 200
    assert world.response in (await alice.get("/__emulator__/journal", params={"limit": 1000})).text


CONTROL_CALLS = [
    ("GET", "/__emulator__/scenarios", None),
    (
        "POST",
        "/__emulator__/scenarios",
        "scenarios:\n  - name: x\n    turns:\n      - output:\n          - message: hi\n",
    ),
    ("DELETE", "/__emulator__/scenarios/x", None),
    ("POST", "/__emulator__/queue", '{"replies": []}'),
    ("POST", "/__emulator__/reset", None),
    ("GET", "/__emulator__/journal", None),
    ("DELETE", "/__emulator__/journal", None),
    ("GET", "/__emulator__/scenario-schema", None),
]


@pytest.mark.parametrize("token", [None, "", "wrong-token", ADMIN_TOKEN[:-1]])
@pytest.mark.parametrize(("method", "path", "body"), CONTROL_CALLS)
async def test_the_control_plane_refuses_calls_without_the_admin_token(
    app: FastAPI, method: str, path: str, body: str | None, token: str | None
) -> None:
    headers = {} if token is None else {"x-emulator-admin-token": token}
    async with raw_client(app, KEY_A, **headers) as http:
        response = await http.request(method, path, content=body)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_admin_token"
    assert ADMIN_TOKEN not in response.text


async def test_the_control_plane_answers_with_the_admin_token(alice: httpx2.AsyncClient) -> None:
    for method, path, body in CONTROL_CALLS:
        response = await alice.request(method, path, content=body)
        assert response.status_code in (200, 404), (path, response.text)  # 404: the scenario x does not exist


async def test_secrets_never_appear_in_logs_journal_or_errors(
    app: FastAPI, alice: httpx2.AsyncClient, bob: httpx2.AsyncClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    for _name, method, path, body in ROUTES:
        ids = {"resp": world.response, "msg": world.message, "bg": world.background}
        ids |= {"conv": world.conversation, "item": world.conversation_item}
        bodies.append((await ask(bob, method, fill(path, ids), fill(body, ids) if body else None)).text)
        bodies.append((await ask(alice, method, fill(path, ids), fill(body, ids) if body else None)).text)
    # Errors that quote the request: a bad body, a bad parameter, a wrong admin token, a background job whose
    # webhook delivery fails (the secret signs it).
    bodies.append((await alice.post("/v1/responses", content=b"{not json")).text)
    bodies.append((await alice.post("/v1/responses", json={"model": "gpt-4o", "input": KEY_B[:-6]})).text)
    bodies.append((await alice.post("/v1/responses", json={"model": 1, "input": "x"})).text)
    async with raw_client(app, KEY_A, **{"x-emulator-admin-token": "wrong"}) as wrong:
        bodies.append((await wrong.get("/__emulator__/journal")).text)
    background = await alice.post("/v1/responses", json={"model": "gpt-4o", "input": "hook me", "background": True})
    bodies.append(background.text)
    bodies.append((await alice.get("/__emulator__/journal", params={"limit": 1000})).text)
    bodies.append((await bob.get("/__emulator__/journal", params={"limit": 1000})).text)
    bodies.append((await alice.get("/metrics")).text)
    logs = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    for secret in (KEY_A, KEY_B, ADMIN_TOKEN, WEBHOOK_SECRET):
        assert secret not in logs
        for body in bodies:
            assert secret not in body
    assert "*****" in bodies[-3]  # the journal does record the key, masked


class TestAllowListErrors:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"api_keys": [KEY_A]}

    async def test_a_refused_key_is_quoted_masked_only(self, app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        async with raw_client(app, KEY_B) as http:
            response = await http.get("/v1/models")
        assert response.status_code == 401
        assert KEY_B not in response.text and KEY_B not in caplog.text


def test_a_real_server_log_never_holds_the_secrets(tmp_path: Path) -> None:
    server = start_server(
        tmp_path,
        "--log-level",
        "debug",
        "--admin-token",
        ADMIN_TOKEN,
        "--webhook-url",
        "http://127.0.0.1:9/hooks",
        "--webhook-secret",
        WEBHOOK_SECRET,
        "--database-url",
        f"sqlite:///{tmp_path / 'secrets.db'}",
    )
    try:
        root = server.base_url.removesuffix("/v1")
        with httpx2.Client(base_url=root, headers={"Authorization": f"Bearer {KEY_A}"}, timeout=10) as http:
            http.post("/v1/responses", json={"model": "gpt-4o", "input": "hello"})
            http.post("/v1/responses", json={"model": "gpt-4o", "input": "bg", "background": True})
            http.post("/v1/responses", content=b"{broken")
            http.get("/v1/responses/resp_missing")
            http.get("/__emulator__/journal", headers={"x-emulator-admin-token": "nope"})
            http.get("/__emulator__/journal", headers={"x-emulator-admin-token": ADMIN_TOKEN})
    finally:
        stop_server(server)
    log = server.log()
    assert "POST /v1/responses" in log or "/v1/responses" in log  # the log did record the traffic
    for secret in (KEY_A, ADMIN_TOKEN, WEBHOOK_SECRET):
        assert secret not in log
