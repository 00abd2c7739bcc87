"""uvicorn's HTTP protocol, with a response's writes joined into one socket write.

uvicorn writes a response's status line and headers in one ``transport.write`` and its body in another, and
uvloop sends each at once: two ``send`` syscalls per response. On the benchmark machine (a 2-core VM, where a
loopback send also runs the receiver's TCP work) those two writes were about a quarter of a non-streaming
create's CPU time in a py-spy profile (issue 8). ``CorkedTransport`` holds what is written during one turn of
the event loop and sends it as one write at the end of that turn: a JSON response (headers and body written
without an await between them) leaves in one syscall; a stream's events still leave as soon as the task that
writes them yields, so no latency is added beyond the current loop turn.

Nothing else changes: the protocol's parsing, keep-alive, flow control and limits are uvicorn's own; the
transport underneath sees the same bytes in the same order, only fewer calls. The one other difference is how a
response's head is put together (``LeanHeadCycle``): the same bytes, with less work per header.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

# Past this many held bytes the write goes out at once: a writer that never yields must still meet the real
# transport's flow control (its high-water mark is 64 KiB), not grow our buffer.
_HOLD_LIMIT = 64 * 1024


class CorkedTransport(asyncio.Transport):
    """A transport proxy that joins the writes of one event-loop turn into one write of the real transport."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_bytes = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(bytes(data))
        self._held_bytes += len(data)
        if self._held_bytes >= _HOLD_LIMIT:
            self.flush()

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Send what is held, as one write (a no-op when nothing is, e.g. after an early flush)."""
        if not self._held:
            return
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held.clear()
        self._held_bytes = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held.clear()
        self._held_bytes = 0
        self._transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_write_buffer_size(self) -> int:
        return self._held_bytes + self._transport.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)


class CorkedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through a ``CorkedTransport``."""

    # uvicorn's own signature narrows BaseProtocol's (a BaseTransport) the same way.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CorkedTransport(transport, asyncio.get_running_loop()))

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if type(self.cycle) is RequestResponseCycle:
            # The cycle uvicorn just made, given the lean head (same state, one method different).
            self.cycle.__class__ = LeanHeadCycle


# Headers whose meaning uvicorn acts on beyond content-length; a response sending one takes uvicorn's own path.
_HEADERS_UVICORN_INTERPRETS = frozenset({b"transfer-encoding", b"connection"})


class LeanHeadCycle(RequestResponseCycle):
    """uvicorn's request-response cycle, writing a response's status line and headers with less work.

    uvicorn checks each header's name and value with a regular expression and appends it in a loop of its own;
    with the fifteen headers the emulator sends on every answer (the real API's) its ``send`` was ~5% of a
    create in a py-spy profile of the server (issue 8), and this head takes ~11,000 fewer instructions a
    response (cachegrind; ~1% of a create). Here the same patterns run once over all the names and once over all
    the values (each pattern matches a single byte, so it matches the joined bytes exactly when it matches one of
    them), and the head is joined in C. Anything unusual (a header uvicorn interprets, a paused or closed
    connection, a check that fails, access logging) takes uvicorn's own ``send``, which also raises its errors.
    """

    async def send(self, message: Any) -> None:
        if message["type"] != "http.response.start" or self.response_started or not self._lean_head(message):
            await super().send(message)

    def _lean_head(self, message: Any) -> bool:
        """Write the head the way uvicorn would and return True, or return False having changed nothing."""
        if self.access_log or self.flow.write_paused or self.disconnected:
            return False
        headers = self.default_headers + list(message.get("headers", []))
        names = [name.lower() for name, _ in headers]
        values = [value for _, value in headers]
        if HEADER_RE.search(b"".join(names)) or HEADER_VALUE_RE.search(b"".join(values)):
            return False
        if not _HEADERS_UVICORN_INTERPRETS.isdisjoint(names):
            return False
        status_code = message["status"]
        self.response_started = True
        self.waiting_for_100_continue = False
        if b"content-length" in names:
            self.expected_content_length = int(values[names.index(b"content-length")].decode())
            self.chunked_encoding = False
        content = [STATUS_LINE[status_code], *map(b": ".join, zip(names, values, strict=True))]
        if not self.keep_alive:
            content.append(b"connection: close")
        if self.chunked_encoding is None and self.scope["method"] != "HEAD" and status_code not in (204, 304):
            self.chunked_encoding = True
            content.append(b"transfer-encoding: chunked")
        content.append(b"\r\n")
        # STATUS_LINE ends with its own CRLF: the first separator falls between it and the first header.
        self.transport.write(content[0] + b"\r\n".join(content[1:]))
        return True
