"""Route dependencies, at module level so that FastAPI can resolve the (postponed) annotations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.api.auth import Authenticator
from server.protocol import parse_json_body


async def current_tenant(request: Request) -> str:
    """The tenant of the request's API key (401 without a valid one). Runs before the body is read."""
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator(request)


async def json_body(request: Request) -> object:
    """The parsed body, or the real API's parse error (never FastAPI's 422)."""
    return parse_json_body(await request.body())


Tenant = Annotated[str, Depends(current_tenant)]
JSONBody = Annotated[object, Depends(json_body)]
