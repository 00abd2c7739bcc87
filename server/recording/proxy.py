"""The recording proxy: an ASGI app that forwards ``/v1/…`` to an upstream API and records what it answers.

Requests go upstream as they came (method, path, query, body, headers; only hop-by-hop headers, ``host`` and
``content-length`` are dropped, and ``Authorization`` is replaced when an upstream key is configured). Answers
come back with the upstream's status, headers and body; server-sent events are passed on chunk by chunk as they
arrive. Every ``POST /v1/responses`` is also recorded (see ``book.py``): a stream by the ``response`` of its
terminal event, as the upstream folded it.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from server.recording.book import RecordingBook
from server.recording.convert import Redactor
from server.recording.writer import public_url

logger = logging.getLogger("openai_emulator.recorder")

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
_NOT_FORWARDED = _HOP_BY_HOP | {"host", "content-length"}
# httpx2 hands over decoded bytes, so the upstream's content-encoding (and its length) no longer describe them.
_NOT_RETURNED = _HOP_BY_HOP | {"content-length", "content-encoding"}
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
# How long a stream whose client hung up is still read for its terminal event.
DRAIN_SECONDS = 5.0
TERMINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})


@dataclass(frozen=True, slots=True)
class RecorderConfig:
    """What ``openai-emulator record`` was told."""

    upstream: str  # base URL ending in /v1, e.g. https://api.openai.com/v1
    out_dir: Path
    upstream_api_key: str | None = None
    timeout_seconds: float = 600.0  # long: reasoning models may think for minutes before the first byte


class StreamWatcher:
    """Reads server-sent events as they pass through, keeping the terminal event's ``response``."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self.terminal: dict[str, Any] | None = None

    def feed(self, chunk: bytes) -> None:
        # A "\r" ending one chunk stays in the buffer until its "\n" arrives, so CRLF frames split right.
        self._buffer = (self._buffer + self._decoder.decode(chunk)).replace("\r\n", "\n")
        while "\n\n" in self._buffer:
            frame, self._buffer = self._buffer.split("\n\n", 1)
            self._frame(frame)

    def close(self) -> None:
        self._buffer += self._decoder.decode(b"", final=True)
        if self._buffer.strip():
            self._frame(self._buffer)
        self._buffer = ""

    def _frame(self, frame: str) -> None:
        data = "\n".join(
            line[5:].removeprefix(" ") for line in frame.replace("\r", "\n").split("\n") if line.startswith("data:")
        )
        if not data:
            return
        try:
            event = json.loads(data)
        except ValueError:
            return
        if isinstance(event, dict) and event.get("type") in TERMINAL_EVENTS and isinstance(event.get("response"), dict):
            self.terminal = event["response"]


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _filtered(raw: Iterable[tuple[bytes, bytes]], dropped: frozenset[str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower(), value) for name, value in raw if name.decode("latin-1").lower() not in dropped]


class _Proxy:
    def __init__(self, config: RecorderConfig) -> None:
        self.upstream = config.upstream.rstrip("/")
        self.api_key = config.upstream_api_key
        self.redactor = Redactor([config.upstream_api_key] if config.upstream_api_key else [])
        self.book = RecordingBook(config.out_dir, upstream=public_url(config.upstream), redactor=self.redactor)
        self.timeout = httpx2.Timeout(config.timeout_seconds, connect=10.0)
        self.client: httpx2.AsyncClient | None = None
        self._pumps: set[asyncio.Task[None]] = set()  # held so running pumps are not garbage-collected

    async def handle(self, request: Request) -> Response:
        path = request.scope.get("raw_path") or request.scope["path"].encode()
        path = path.split(b"?", 1)[0].decode("latin-1").removeprefix("/v1")
        query = request.scope.get("query_string", b"").decode("latin-1")
        url = f"{self.upstream}{path}" + (f"?{query}" if query else "")
        body = await request.body()
        sent = _json(body) if request.method == "POST" and path.rstrip("/") == "/responses" else None
        recording: Mapping[str, Any] | None = sent if isinstance(sent, dict) else None
        if recording is not None and recording.get("background") is True:
            # The POST answers "queued"; the outputs come later from polling, which is not one exchange.
            logger.warning("background response: forwarded but not recorded")
            recording = None
        assert self.client is not None
        try:
            answer = await self.client.send(
                self.client.build_request(request.method, url, content=body, headers=self._outbound(request)),
                stream=True,
            )
        except httpx2.HTTPError as exc:
            return _envelope(502, f"The recorder could not reach the upstream {public_url(self.upstream)}: {exc}")
        headers = _filtered(answer.headers.raw, _NOT_RETURNED)
        if answer.headers.get("content-type", "").startswith("text/event-stream"):
            streamed = StreamingResponse(
                self._relay(answer, recording if answer.status_code < 400 else None), status_code=answer.status_code
            )
            streamed.raw_headers = headers
            return streamed
        try:
            content = await answer.aread()
        except httpx2.HTTPError as exc:
            return _envelope(502, f"The upstream {public_url(self.upstream)} broke off its answer: {exc}")
        finally:
            await answer.aclose()
        if recording is not None:
            self._record(recording, answer.status_code, content, answer.headers)
        plain = Response(content=content, status_code=answer.status_code)
        plain.raw_headers = [*headers, (b"content-length", str(len(content)).encode())]
        return plain

    def _outbound(self, request: Request) -> list[tuple[bytes, bytes]]:
        headers = _filtered(request.headers.raw, _NOT_FORWARDED)
        client_auth = request.headers.get("authorization", "")
        if client_auth:
            self.redactor.add(client_auth.removeprefix("Bearer ").strip())
        if self.api_key:
            headers = [(n, v) for n, v in headers if n != b"authorization"]
            headers.append((b"authorization", f"Bearer {self.api_key}".encode()))
        return headers

    async def _relay(self, answer: httpx2.Response, recording: Mapping[str, Any] | None) -> AsyncIterator[bytes]:
        if recording is None:
            try:
                async for chunk in answer.aiter_bytes():
                    yield chunk
            finally:
                await answer.aclose()
            return
        # The upstream is read by a task of its own, so a client that hangs up (the SDK does at a nested
        # ``error`` event) does not stop the reading before the terminal event that follows it is recorded.
        chunks: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
        pump = asyncio.create_task(self._pump(answer, recording, chunks))
        self._pumps.add(pump)
        pump.add_done_callback(self._pumps.discard)
        try:
            while (piece := await chunks.get()) is not None:
                if isinstance(piece, BaseException):
                    raise piece  # the upstream broke off: so does the client's stream
                yield piece
        finally:
            if not pump.done():
                # The client left first: the upstream gets a moment to finish, then the connection is closed.
                asyncio.get_running_loop().call_later(DRAIN_SECONDS, pump.cancel)

    async def _pump(
        self,
        answer: httpx2.Response,
        recording: Mapping[str, Any],
        chunks: asyncio.Queue[bytes | BaseException | None],
    ) -> None:
        watcher = StreamWatcher()
        try:
            async for chunk in answer.aiter_bytes():
                watcher.feed(chunk)
                chunks.put_nowait(chunk)
            chunks.put_nowait(None)
        except Exception as exc:
            chunks.put_nowait(exc)
        finally:
            watcher.close()
            if watcher.terminal is not None:
                self._safely(self.book.record_response, recording, watcher.terminal)
            else:
                logger.warning("stream ended without a terminal event: not recorded")
            await answer.aclose()

    def _record(self, recording: Mapping[str, Any], status: int, content: bytes, headers: httpx2.Headers) -> None:
        answer = _json(content)
        if status >= 400:
            lowered = {name.lower(): value for name, value in headers.items()}
            body = answer if answer is not None else content.decode("utf-8", errors="replace")
            self._safely(self.book.record_error, recording, status, body, lowered)
        elif isinstance(answer, dict) and answer.get("object") == "response":
            self._safely(self.book.record_response, recording, answer)

    @staticmethod
    def _safely(record: Any, *args: Any) -> None:
        # A recording problem must never cost the client its answer: it is logged, and the proxy goes on.
        try:
            record(*args)
        except Exception:
            logger.exception("could not record this exchange")


def _envelope(status: int, message: str, *, type_: str = "server_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": type_, "param": None, "code": None}}, status_code=status)


def create_recorder_app(config: RecorderConfig) -> Starlette:
    """The recording proxy as an ASGI app; scenario files appear in ``config.out_dir`` as turns are recorded."""
    proxy = _Proxy(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # follow_redirects off: a redirect is part of the upstream's answer and goes back to the client as is.
        async with httpx2.AsyncClient(timeout=proxy.timeout, follow_redirects=False) as client:
            proxy.client = client
            logger.info("recording %s into %s", public_url(config.upstream), config.out_dir)
            yield
            proxy.client = None

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "upstream": public_url(config.upstream)})

    async def elsewhere(request: Request) -> Response:
        return _envelope(404, f"Invalid URL ({request.method} {request.url.path})", type_="invalid_request_error")

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/v1/{path:path}", proxy.handle, methods=_METHODS),
            Route("/{path:path}", elsewhere, methods=_METHODS),
        ],
        lifespan=lifespan,
    )
