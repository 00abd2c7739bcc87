"""The ceiling for plain requests: a bare Starlette app on uvicorn answering the emulator's routes with fixed
bytes (recorded from the emulator, so both send bodies of the same size).

Usage: python -m bench.ceiling POST_BODY_FILE GET_BODY_FILE PORT
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def build_app(post_body: bytes, get_body: bytes) -> Starlette:
    async def create(request: Request) -> Response:
        await request.body()  # read the request like the emulator does
        return Response(post_body, media_type="application/json")

    async def retrieve(request: Request) -> Response:
        return Response(get_body, media_type="application/json")

    async def health(request: Request) -> Response:
        return Response(b'{"status": "ok"}', media_type="application/json")

    return Starlette(
        routes=[
            Route("/v1/responses", create, methods=["POST"]),
            Route("/v1/responses/{response_id}", retrieve, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def main() -> None:
    post_file, get_file, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    app = build_app(post_file.read_bytes(), get_file.read_bytes())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
