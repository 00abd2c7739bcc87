"""Server-sent event framing exactly as the real API writes it (REFERENCE §D.1).

Every frame is ``event: <type>\\ndata: <compact json>\\n\\n``; there is no ``[DONE]``; the stream ends after the
terminal event. sse-starlette supervises the response (client disconnect, server shutdown, send timeout).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse


def encode_frame(event: dict[str, Any]) -> bytes:
    data = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"event: {event['type']}\ndata: {data}\n\n".encode()


async def _frames(events: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    async for event in events:
        yield encode_frame(event)


def event_stream_response(events: AsyncIterator[dict[str, Any]], *, ping_seconds: float = 0) -> EventSourceResponse:
    """An SSE response over wire events. Pings (comment frames) are off by default: the real API sends none."""
    return EventSourceResponse(_frames(events), sep="\n", ping=ping_seconds, media_type="text/event-stream")
