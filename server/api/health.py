"""Health endpoint for docker healthchecks and start-up probes: no auth, answers only when the store does."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter

from server.api.rendering import PrettyJSONResponse
from storage.base import Store


def create_router(store: Callable[[], Store]) -> APIRouter:
    router = APIRouter()

    @router.get("/health")
    async def health() -> PrettyJSONResponse:
        ok = await store().ping()
        return PrettyJSONResponse({"status": "ok" if ok else "unavailable"}, status_code=200 if ok else 503)

    return router
