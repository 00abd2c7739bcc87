"""``GET /openapi.json``: the emulator's OpenAPI document (built by ``python -m server.openapi.build``).

No auth, like the real API's published spec: the document holds no tenant data, and tools (schemathesis,
client generators) fetch it before they have a key. FastAPI's generated schema stays off
(``openapi_url=None``): routes take raw bodies, so it would describe nothing real.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from server.openapi import document_bytes


def create_router() -> APIRouter:
    router = APIRouter()

    @router.get("/openapi.json")
    async def openapi_document() -> Response:
        # The committed bytes as they are: read on first request and kept, so start-up pays nothing.
        return Response(document_bytes(), media_type="application/json")

    return router
