"""Routes of the Responses resource. Each handler is one call into the service; choosing JSON or SSE is the
router's only decision.

Create and retrieve, the requests every client makes most, are plain ASGI handlers (``HotRoutes``) rather
than FastAPI endpoints: FastAPI's routing and dependency injection cost more than the rest of a retrieve
(issue 8's profile). They do what the FastAPI versions did, in the same order: authentication before the body
is read, the real parse error, the service call, JSON or SSE, an ``APIError`` as its envelope. The app calls
them before FastAPI's router (``server.app``); they are also registered as ordinary routes, so that FastAPI's
own routing (trailing-slash redirects, 405s turned into the real 404) treats their paths as before.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import Headers, QueryParams
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from server.api.auth import Authenticator
from server.api.deps import JSONBody, Tenant
from server.api.rendering import PrettyJSONResponse, error_response, send_json
from server.engine.service import ResponsesService
from server.errors import APIError
from server.protocol import (
    parse_json_body,
    parse_list_query,
    parse_retrieve_query,
    validate_compact_body,
    validate_create_body,
    validate_input_tokens_body,
)
from server.sse import event_stream_response

CREATE_PATH = "/v1/responses"
RETRIEVE_PATH = "/v1/responses/{response_id}"
_RETRIEVE = re.compile(r"/v1/responses/([^/]+)")
JSONObject = dict[str, Any]
_NO_QUERY = parse_retrieve_query(())  # the defaults, as nearly every retrieve has no query string


class HotRoutes:
    """``POST /v1/responses`` and ``GET /v1/responses/{response_id}`` as plain ASGI handlers."""

    def __init__(self, service: Callable[[], ResponsesService], authenticator: Authenticator) -> None:
        self._service = service
        self._auth = authenticator
        self.create_route = Route(CREATE_PATH, _Asgi(self.create), methods=["POST"])
        self.retrieve_route = Route(RETRIEVE_PATH, _Asgi(self.retrieve), methods=["GET"])

    def match(self, scope: Scope) -> Callable[[Scope, Receive, Send], Awaitable[None]] | None:
        """The handler for this request if it is one of the hot routes (its path parameters set), else None."""
        method, path = scope["method"], scope["path"]
        if method == "POST" and path == CREATE_PATH:
            scope["route"] = self.create_route
            return self.create
        if method == "GET" and (found := _RETRIEVE.fullmatch(path)) is not None:
            scope["route"] = self.retrieve_route
            scope["path_params"] = {"response_id": found.group(1)}
            return self.retrieve
        return None

    async def create(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            tenant = self._tenant(scope)
            body = parse_json_body(await _read_body(receive))
            params = validate_create_body(body)
            context = {"request_id": scope["state"]["request_id"], "headers": Headers(scope=scope)}
            response: Response
            if not params.stream:
                await _send_response(scope, send, await self._service().create(tenant, params, **context))
                return
            response = event_stream_response(await self._service().stream(tenant, params, **context))
        except APIError as exc:
            response = error_response(exc)
        except ClientDisconnect:
            return  # gone before its body arrived: nobody to answer
        await response(scope, receive, send)

    async def retrieve(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            tenant = self._tenant(scope)
            response_id = scope["path_params"]["response_id"]
            raw_query = scope["query_string"]
            query = parse_retrieve_query(QueryParams(raw_query).multi_items()) if raw_query else _NO_QUERY
            response: Response
            if not query.stream:
                await _send_response(scope, send, await self._service().retrieve(tenant, response_id, query))
                return
            response = event_stream_response(await self._service().replay(tenant, response_id, query))
        except APIError as exc:
            response = error_response(exc)
        await response(scope, receive, send)

    def _tenant(self, scope: Scope) -> str:
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        tenant = self._auth.tenant_for_header(authorization)
        scope["state"]["tenant"] = tenant
        return tenant


class _Asgi:
    """A handler Starlette's ``Route`` calls as an ASGI app (a bare method would get a ``Request`` instead)."""

    def __init__(self, handler: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self._handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._handler(scope, receive, send)


async def _send_response(scope: Scope, send: Send, response: JSONObject) -> None:
    """A Response as the 200 answer, its id left in the request state for the journal (which otherwise
    looks for it in the body's first bytes)."""
    scope["state"]["response_id"] = response["id"]
    await send_json(send, response)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def create_router(service: Callable[[], ResponsesService]) -> APIRouter:
    """The other routes; ``service`` returns the live service (it is built when the app starts, after the
    routes). The app adds ``HotRoutes``' two routes itself."""
    router = APIRouter(prefix="/v1/responses")

    @router.post("/input_tokens")
    async def count_input_tokens(tenant: Tenant, body: JSONBody) -> PrettyJSONResponse:
        return PrettyJSONResponse(await service().count_input_tokens(tenant, validate_input_tokens_body(body)))

    @router.post("/compact")
    async def compact(tenant: Tenant, body: JSONBody) -> PrettyJSONResponse:
        return PrettyJSONResponse(await service().compact(tenant, validate_compact_body(body)))

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
