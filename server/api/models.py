"""``GET /v1/models`` and ``GET /v1/models/{id}`` from the catalogue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from scenarios.catalogue import ModelInfo, catalogue, lookup
from server.api.deps import Tenant
from server.api.rendering import PrettyJSONResponse
from server.errors import NotFoundError


def model_object(info: ModelInfo) -> dict[str, Any]:
    return {"id": info.id, "object": "model", "created": info.created, "owned_by": "system"}


def create_router() -> APIRouter:
    router = APIRouter(prefix="/v1/models")

    @router.get("")
    async def list_models(tenant: Tenant) -> PrettyJSONResponse:
        return PrettyJSONResponse({"object": "list", "data": [model_object(m) for m in catalogue().values()]})

    @router.get("/{model_id:path}")
    async def retrieve_model(tenant: Tenant, model_id: str) -> PrettyJSONResponse:
        info = lookup(model_id)
        if info is None:  # observed wording of the real models endpoint
            raise NotFoundError(f"The model '{model_id}' does not exist", param="model", code="model_not_found")
        return PrettyJSONResponse(model_object(info))

    return router
