"""Server-sent event framing exactly as the real API writes it (REFERENCE §D.1).

Every frame is ``event: <type>\\ndata: <compact json>\\n\\n``; there is no ``[DONE]``; the stream ends after the
terminal event. sse-starlette supervises the response (client disconnect, server shutdown, send timeout).

On server shutdown (SIGTERM) an open stream stops at once and its body ends cleanly (the last, empty chunk),
so the client sees a well-formed close rather than a connection cut mid-chunk; stopping the events runs the
pipeline's own ending, which stores the response ``cancelled`` (never left ``in_progress``). Only a stream
whose client stopped reading (its socket full) cannot take the clean end: it is cut after ``_DRAIN_SECONDS``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import anyio
from sse_starlette import EventSourceResponse
from starlette.types import Message, Send

from server.api.rendering import compact_json

# How long sse-starlette waits, once shutdown has begun, for a stream to end itself before cancelling it.
_DRAIN_SECONDS = 2.0


def encode_frame(event: dict[str, Any]) -> bytes:
    # compact_json: json.dumps' compact bytes, mostly written by orjson (json.dumps was 9% of a stream).
    kind: str = event["type"]
    return b"event: " + kind.encode() + b"\ndata: " + compact_json(event) + b"\n\n"


class _Drain:
    """Given to sse-starlette as the stream's ``shutdown_event`` (it only ever calls ``set``): at shutdown
    it interrupts the wait for the next event, which may be long (pacing, a scripted delay, a held
    background response's tail), instead of letting the library cancel the whole response mid-body."""

    def __init__(self) -> None:
        self.requested = False
        self.waiting = False  # suspended inside the events' __anext__
        self.scope: anyio.CancelScope | None = None

    def set(self) -> None:
        self.requested = True
        if self.waiting and self.scope is not None:
            self.scope.cancel()


async def _frames(events: AsyncIterator[dict[str, Any]], drain: _Drain) -> AsyncIterator[bytes]:
    try:
        # One scope for the whole stream (a scope per event would cost more than the event). It is an anyio
        # scope, not a bare task cancellation, so that it respects the pipeline's shields: a database write
        # in flight completes before the run is stopped and stored cancelled. `drain` cancels it only while
        # we wait for the next event, and nothing is yielded once shutdown is requested, so the cancellation
        # lands in the events' generator, never in the middle of a send.
        with anyio.CancelScope() as drain.scope:
            while not drain.requested:
                drain.waiting = True
                try:
                    event = await anext(events)
                except StopAsyncIteration:
                    return
                finally:
                    drain.waiting = False
                if drain.requested:
                    break
                yield encode_frame(event)
    finally:
        # Close the events now, while the store is open: the pipeline ends an unfinished response here.
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


class _EventStream(EventSourceResponse):
    """sse-starlette's response without a cancel scope around every send when there is no send timeout.

    The library opens ``anyio.move_on_after(self.send_timeout)`` for each event even when the timeout is None
    (about 5% of a streamed reply's server time). Overriding its private method is safe to break: should a
    new version rename it, this override is simply never called and the library's own behaviour remains.
    """

    async def _send_with_timeout(self, send: Send, message: Message) -> None:
        if self.send_timeout is None:
            await send(message)
        else:
            await super()._send_with_timeout(send, message)


def event_stream_response(events: AsyncIterator[dict[str, Any]], *, ping_seconds: float = 0) -> EventSourceResponse:
    """An SSE response over wire events. Pings (comment frames) are off by default: the real API sends none."""
    drain = _Drain()
    return _EventStream(
        _frames(events, drain),
        sep="\n",
        ping=ping_seconds,
        media_type="text/event-stream",
        shutdown_event=cast(anyio.Event, drain),
        shutdown_grace_period=_DRAIN_SECONDS,
    )
