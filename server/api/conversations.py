"""Routes of the Conversations resource (REFERENCE §A rows 8-15). Each handler is one call into the service."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request

from server.api.deps import JSONBody, Tenant
from server.api.rendering import PrettyJSONResponse
from server.engine.conversations import ConversationsService
from server.protocol import (
    parse_list_query,
    validate_conversation_create_body,
    validate_conversation_items_body,
    validate_conversation_update_body,
)


def create_router(service: Callable[[], ConversationsService]) -> APIRouter:
    """``service`` returns the live service (it is built when the app starts, after the routes)."""
    router = APIRouter(prefix="/v1/conversations")

    @router.post("")
    async def create_conversation(tenant: Tenant, body: JSONBody) -> PrettyJSONResponse:
        return PrettyJSONResponse(await service().create(tenant, validate_conversation_create_body(body)))

    @router.get("/{conversation_id}")
    async def retrieve_conversation(tenant: Tenant, conversation_id: str) -> PrettyJSONResponse:
        return PrettyJSONResponse(await service().retrieve(tenant, conversation_id))

    @router.post("/{conversation_id}")
    async def update_conversation(tenant: Tenant, conversation_id: str, body: JSONBody) -> PrettyJSONResponse:
        request = validate_conversation_update_body(body)
        return PrettyJSONResponse(await service().update(tenant, conversation_id, request))

    @router.delete("/{conversation_id}")
    async def delete_conversation(tenant: Tenant, conversation_id: str) -> PrettyJSONResponse:
        return PrettyJSONResponse(await service().delete(tenant, conversation_id))

    @router.post("/{conversation_id}/items")
    async def create_items(
        tenant: Tenant, conversation_id: str, body: JSONBody, request: Request
    ) -> PrettyJSONResponse:
        # `include[]` comes in the query string even on this POST (the SDK sends it there).
        params, query = validate_conversation_items_body(body), parse_list_query(request.query_params.multi_items())
        return PrettyJSONResponse(await service().create_items(tenant, conversation_id, params, query))

    @router.get("/{conversation_id}/items")
    async def list_items(tenant: Tenant, conversation_id: str, request: Request) -> PrettyJSONResponse:
        query = parse_list_query(request.query_params.multi_items())
        return PrettyJSONResponse(await service().list_items(tenant, conversation_id, query))

    @router.get("/{conversation_id}/items/{item_id}")
    async def retrieve_item(tenant: Tenant, conversation_id: str, item_id: str, request: Request) -> PrettyJSONResponse:
        query = parse_list_query(request.query_params.multi_items())
        return PrettyJSONResponse(await service().retrieve_item(tenant, conversation_id, item_id, query))

    @router.delete("/{conversation_id}/items/{item_id}")
    async def delete_item(tenant: Tenant, conversation_id: str, item_id: str) -> PrettyJSONResponse:
        return PrettyJSONResponse(await service().delete_item(tenant, conversation_id, item_id))

    return router
