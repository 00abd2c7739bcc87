"""The emulator's control plane, under one reserved prefix: ``/__emulator__``.

Tenant-scoped calls act for the tenant of their ``Authorization: Bearer <key>`` header, the same key the tests'
SDK client uses, so parallel tests never touch each other's scripts. When ``admin_token`` is set, every call
also needs ``X-Emulator-Admin-Token``. Real OpenAI paths never start with ``/__emulator__``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import TypeAdapter, ValidationError

from scenarios.files import ScenarioLoadError, load_text
from scenarios.spec import TurnSpec, json_schema
from server.api.deps import Tenant
from server.api.journal import JournalWriter
from server.api.rendering import PrettyJSONResponse
from server.engine.scripting import Scripting
from server.errors import AuthenticationError, InvalidRequestError, NotFoundError
from storage.base import Store

PREFIX = "/__emulator__"
_TURNS = TypeAdapter(list[TurnSpec])


async def _text(request: Request) -> str:
    return (await request.body()).decode("utf-8", errors="replace")


async def require_admin(request: Request) -> None:
    """With ``admin_token`` configured, the control plane answers only to that token."""
    expected: str | None = request.app.state.admin_token
    if expected is not None and request.headers.get("x-emulator-admin-token") != expected:
        raise AuthenticationError(
            "The emulator control plane needs a valid X-Emulator-Admin-Token header.", code="invalid_admin_token"
        )


def create_router(
    scripting: Callable[[], Scripting],
    store: Callable[[], Store],
    journal_writer: Callable[[], JournalWriter | None],
) -> APIRouter:
    """The providers return the live parts (built at start-up, after the routes)."""
    router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_admin)])

    async def flush_journal() -> None:
        writer = journal_writer()
        if writer is not None:
            await writer.flush()

    @router.get("/scenarios")
    async def list_scenarios(tenant: Tenant) -> PrettyJSONResponse:
        state = scripting().scripts
        return PrettyJSONResponse({"object": "list", "data": state.describe(tenant), "queued": state.queued(tenant)})

    @router.post("/scenarios")
    async def load_scenarios(tenant: Tenant, request: Request) -> PrettyJSONResponse:
        try:
            loaded = load_text(await _text(request), source="<request body>")
        except ScenarioLoadError as exc:
            raise InvalidRequestError(str(exc), code="invalid_scenario") from exc
        scope = None if request.query_params.get("scope") == "global" else tenant
        names = scripting().scripts.load(scope, loaded)
        return PrettyJSONResponse({"loaded": names, "scope": "global" if scope is None else "tenant"})

    @router.delete("/scenarios/{name}")
    async def remove_scenario(tenant: Tenant, name: str, request: Request) -> PrettyJSONResponse:
        scope = None if request.query_params.get("scope") == "global" else tenant
        if not scripting().scripts.remove(scope, name):
            raise NotFoundError(f"Scenario '{name}' not found.")
        return PrettyJSONResponse({"name": name, "deleted": True})

    @router.post("/queue")
    async def queue_replies(tenant: Tenant, request: Request) -> PrettyJSONResponse:
        import yaml  # here: a server nobody scripts through this route never loads it (~15 ms of start-up)

        try:
            data = yaml.safe_load(await _text(request))
            turns = _TURNS.validate_python(data.get("replies") if isinstance(data, dict) else data)
        except (yaml.YAMLError, ValidationError, AttributeError) as exc:
            raise InvalidRequestError(f"Invalid replies: {exc}", code="invalid_scenario") from exc
        return PrettyJSONResponse({"queued": scripting().scripts.enqueue(tenant, turns)})

    @router.post("/reset")
    async def reset(tenant: Tenant) -> PrettyJSONResponse:
        """Forget everything of this tenant: scripts, queue, counters, responses, conversations, journal."""
        scripting().scripts.reset(tenant)
        await flush_journal()
        await store().purge_tenant(tenant)
        return PrettyJSONResponse({"reset": True})

    @router.get("/journal")
    async def read_journal(tenant: Tenant, request: Request) -> PrettyJSONResponse:
        query = parse_journal_query(request.query_params)
        await flush_journal()
        entries = await store().journal.list(tenant, **query)
        return PrettyJSONResponse({"object": "list", "data": [e.data | {"at": e.at} for e in entries]})

    @router.delete("/journal")
    async def clear_journal(tenant: Tenant) -> PrettyJSONResponse:
        await flush_journal()
        return PrettyJSONResponse({"deleted": await store().journal.clear(tenant)})

    @router.get("/scenario-schema")
    async def scenario_schema() -> PrettyJSONResponse:
        return PrettyJSONResponse(json_schema())

    return router


def parse_journal_query(params: Mapping[str, str]) -> dict[str, Any]:
    """``path`` (prefix), ``method``, ``since``/``until`` (seconds on the emulator's clock), ``limit`` (1-1000)."""
    query: dict[str, Any] = {"path_prefix": params.get("path"), "method": params.get("method")}
    try:
        for name in ("since", "until"):
            query[name] = float(params[name]) if name in params else None
        query["limit"] = int(params.get("limit", 100))
    except ValueError as exc:
        raise InvalidRequestError(f"Invalid journal query: {exc}", code="invalid_value") from exc
    if not 1 <= query["limit"] <= 1000:
        raise InvalidRequestError(
            "Invalid 'limit': expected a value from 1 to 1000.", param="limit", code="invalid_value"
        )
    return query
