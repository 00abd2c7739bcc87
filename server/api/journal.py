"""The request journal: every ``/v1`` request of a tenant, with its body, masked headers, status, response id
and timing, so a test can assert what its client really sent.

Captured by ``server.api.front`` (streams pass through untouched) and written by ``JournalWriter`` in
batches off the request path: a client waits for no journal write. The control plane flushes before it
reads, so a test sees its own requests at once; other replicas' entries appear within one flush interval.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

import orjson
from starlette.types import Scope

from server.api.auth import mask_key
from storage.base import Journal, JournalEntry

log = logging.getLogger("openai_emulator.journal")

_RESPONSE_ID = re.compile(rb'"id":\s*"(resp_[0-9A-Za-z]+)"')
_SECRET_HEADERS = frozenset({"x-emulator-admin-token", "cookie", "proxy-authorization"})


def masked_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Request headers with secrets hidden: the API key masked as the real API quotes it, tokens starred.

    A client sends much the same headers every time, so the masked form is kept by the raw headers (a copy
    each time: entries must not share a dict). Measured ~3 us of a retrieve's ~60 us (issue 8).
    """
    key = tuple(raw)
    masked = _MASKED.get(key)
    if masked is None:
        masked = _mask(raw)
        if len(_MASKED) >= _MASKED_KEPT:
            _MASKED.clear()  # bounded: clients with ever-changing headers just miss
        _MASKED[key] = masked
    return dict(masked)


_MASKED: dict[tuple[tuple[bytes, bytes], ...], dict[str, str]] = {}
_MASKED_KEPT = 512


def _mask(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name_bytes, value_bytes in raw:
        name, value = name_bytes.decode("latin-1").lower(), value_bytes.decode("latin-1")
        if name == "authorization":
            scheme, _, key = value.partition(" ")
            value = f"{scheme} {mask_key(key.strip())}" if key else "***"
        elif name in _SECRET_HEADERS:
            value = "***"
        headers[name] = value
    return headers


def _decoded(body: bytes, limit: int) -> Any:
    if len(body) > limit:
        return {"truncated": True, "size": len(body), "text": body[:limit].decode("utf-8", errors="replace")}
    if not body:
        return None
    try:
        return orjson.loads(body)  # strict already: no NaN/Infinity; nesting over 1,024 levels is refused
    except orjson.JSONDecodeError:
        pass
    try:
        # What orjson refuses but JSON allows (integers over 64 bits, escaped lone surrogates, UTF-16).
        # Strict like the request parser: NaN/Infinity would make the entry itself invalid JSON, and nesting
        # deeper than the interpreter's recursion limit raises RecursionError (both are kept as text).
        return json.loads(body, parse_constant=_not_json)
    except (ValueError, RecursionError):
        return body.decode("utf-8", errors="replace")


def _not_json(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


class JournalWriter:
    """Buffers entries and writes them in batches from one background task."""

    def __init__(self, journal: Journal, *, flush_seconds: float = 0.05, keep: int = 100_000) -> None:
        self._journal = journal
        self._flush_seconds = flush_seconds
        self._keep = keep
        self._pending: list[JournalEntry] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def add(self, entry: JournalEntry) -> None:
        self._pending.append(entry)
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="journal-writer")

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self._flush_seconds)  # gather a batch
            try:
                await self.flush()
            except Exception:  # the journal must never take the server down
                log.exception("journal flush failed")

    async def flush(self) -> None:
        """Write everything buffered so far."""
        async with self._lock:
            self._wake.clear()
            batch, self._pending = self._pending, []
            if not batch:
                return
            await self._journal.record(batch)
            # After every batch, so that each trim removes about as many entries as the batch added: a trim
            # every 200 batches removed tens of thousands at once (see ``storage.sqlite_journal``).
            await self._journal.trim(self._keep)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self.flush()


def journal_entry(
    scope: Scope,
    tenant: str,
    body: bytes,
    *,
    status: int | None,
    head: bytes,
    stream: bool,
    started: float,
    at: float,
    body_limit: int,
) -> JournalEntry:
    """The journal's record of one ``/v1`` request (``head``: the first bytes of the response body).

    Its ``response_id`` is the one a route left in the request state, else the first response id in ``head``.
    """
    state = scope.get("state", {})
    response_id = state.get("response_id")
    if response_id is None:
        found = _RESPONSE_ID.search(head, 0, 4096)
        response_id = found.group(1).decode() if found else None
    data: dict[str, Any] = {
        "request_id": state.get("request_id"),
        "method": scope["method"],
        "path": scope["path"],
        "query": scope.get("query_string", b"").decode("latin-1"),
        "status": status,
        "response_id": response_id,
        "stream": stream,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        "request_headers": masked_headers(scope.get("headers", [])),
        "request_body": _decoded(body, body_limit),
    }
    if status is not None and status >= 400:
        data["error"] = _decoded(head, body_limit)
    return JournalEntry(tenant=tenant, at=at, method=scope["method"], path=scope["path"], data=data)
