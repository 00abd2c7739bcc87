"""Routes of the Responses resource. Each handler is one call into the service; choosing JSON or SSE is the
router's only decision."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response

from server.api.deps import JSONBody, Tenant
from server.api.rendering import PrettyJSONResponse
from server.engine.service import ResponsesService
from server.protocol import (
    parse_list_query,
    parse_retrieve_query,
    validate_compact_body,
    validate_create_body,
    validate_input_tokens_body,
)
from server.sse import event_stream_response


def create_router(service: Callable[[], ResponsesService]) -> APIRouter:
    """``service`` returns the live service (it is built when the app starts, after the routes)."""
    router = APIRouter(prefix="/v1/responses")

    @router.post("")
    async def create_response(tenant: Tenant, body: JSONBody, request: Request) -> Response:
        params, context = (
            validate_create_body(body),
            {"request_id": request.state.request_id, "headers": request.headers},
        )
        if params.stream:
            return event_stream_response(await service().stream(tenant, params, **context))
        return PrettyJSONResponse(await service().create(tenant, params, **context))

    @router.post("/input_tokens")
    async def count_input_tokens(tenant: Tenant, body: JSONBody) -> PrettyJSONResponse:
        return PrettyJSONResponse(await service().count_input_tokens(tenant, validate_input_tokens_body(body)))

    @router.post("/compact")
    async def compact(tenant: Tenant, body: JSONBody) -> PrettyJSONResponse:
        return PrettyJSONResponse(await service().compact(tenant, validate_compact_body(body)))

    @router.get("/{response_id}")
    async def retrieve_response(tenant: Tenant, response_id: str, request: Request) -> Response:
        query = parse_retrieve_query(request.query_params.multi_items())
        if query.stream:
            return event_stream_response(await service().replay(tenant, response_id, query))
        return PrettyJSONResponse(await service().retrieve(tenant, response_id, query))

    @router.post("/{response_id}/cancel")
    async def cancel_response(tenant: Tenant, response_id: str) -> PrettyJSONResponse:
        return PrettyJSONResponse(await service().cancel(tenant, response_id))

    @router.delete("/{response_id}")
    async def delete_response(tenant: Tenant, response_id: str) -> PrettyJSONResponse:
        return PrettyJSONResponse(await service().delete(tenant, response_id))

    @router.get("/{response_id}/input_items")
    async def list_input_items(tenant: Tenant, response_id: str, request: Request) -> PrettyJSONResponse:
        query = parse_list_query(request.query_params.multi_items())
        return PrettyJSONResponse(await service().list_input_items(tenant, response_id, query))

    return router
