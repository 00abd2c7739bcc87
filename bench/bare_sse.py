"""The ceiling for streaming: a bare sse-starlette endpoint that sends pre-recorded frames, byte for byte.

Usage: python -m bench.bare_sse FRAMES_FILE PORT
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import uvicorn
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route


def build_app(frames: list[bytes]) -> Starlette:
    async def stream(request: Request) -> EventSourceResponse:
        async def body() -> AsyncIterator[bytes]:
            for frame in frames:
                yield frame

        return EventSourceResponse(body(), sep="\n", ping=0)

    return Starlette(routes=[Route("/v1/responses", stream, methods=["POST"])])


def main() -> None:
    frames_file, port = Path(sys.argv[1]), int(sys.argv[2])
    frames = [frame + b"\n\n" for frame in frames_file.read_bytes().split(b"\n\n") if frame]
    uvicorn.run(build_app(frames), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
