"""Background responses: submission, lifecycle holds, cancellation, and resumable streams.

``submit`` stores the response as ``queued`` and writes the job to the database; a worker (this server's or
another replica's, see ``server.engine.worker``) claims it and runs the ordinary pipeline. Streams of
background responses go to an event log in the database, so ``GET /v1/responses/{id}?stream=true`` can replay
them from any replica, then follow the live tail.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from server.engine.adopted import DEFAULT_LIMIT, AdoptedRuns
from server.engine.emitter import TERMINAL_EVENTS
from server.engine.ids import Clock
from server.engine.notify import EventNotifier
from server.engine.pipeline import Pipeline, Run
from server.engine.skeleton import ordered
from server.errors import InvalidRequestError
from storage.base import JobRecord, ResponseRecord, Store

JSONObject = dict[str, Any]
HOLD_HEADER = "x-emulator-background"
_HOLD_PART = re.compile(r"^\s*(queued_seconds|queued_polls|in_progress_seconds|in_progress_polls)\s*=\s*([\d.]+)\s*$")
_FLUSH_EVERY = 32
_FLUSH_AFTER_SECONDS = 0.03


@dataclass(frozen=True, slots=True)
class LifecycleHold:
    """How long a background response stays queued, then in progress: seconds on the emulator's clock
    and/or a number of polls (``GET``s), moto-style. Both must be met before it moves on."""

    queued_seconds: float = 0.0
    queued_polls: int = 0
    in_progress_seconds: float = 0.0
    in_progress_polls: int = 0

    def overridden(self, values: Mapping[str, Any]) -> LifecycleHold:
        changes: dict[str, Any] = {
            k: (int(float(v)) if k.endswith("polls") else float(v))
            for k, v in values.items()
            if k in self.__dataclass_fields__ and v is not None
        }
        return replace(self, **changes)

    @classmethod
    def parse_header(cls, value: str) -> dict[str, str]:
        """``queued_seconds=2, in_progress_polls=3`` (the ``x-emulator-background`` header)."""
        parts: dict[str, str] = {}
        for chunk in value.split(","):
            match = _HOLD_PART.match(chunk)
            if match is None:
                raise InvalidRequestError(
                    f"Invalid {HOLD_HEADER} header: {chunk.strip()!r}. Expected name=value pairs of queued_seconds, "
                    "queued_polls, in_progress_seconds, in_progress_polls.",
                    param=HOLD_HEADER,
                    code="invalid_value",
                )
            parts[match.group(1)] = match.group(2)
        return parts


@dataclass(frozen=True, slots=True)
class BackgroundOptions:
    lease_seconds: float = 5.0
    heartbeat_seconds: float = 0.5
    poll_seconds: float = 0.02
    concurrency: int = 16
    replay_window_seconds: float = 300.0
    store_false_ttl_seconds: float = 600.0
    shutdown_grace_seconds: float = 5.0
    hold: LifecycleHold = LifecycleHold()
    adopted_limit: int = DEFAULT_LIMIT  # prepared runs of queued jobs kept in memory (server.engine.adopted)


class EventLogWriter:
    """Appends a background stream's events to the database log, in small batches, and wakes local tails."""

    def __init__(self, store: Store, notifier: EventNotifier, tenant: str, response_id: str) -> None:
        self._store = store
        self._notifier = notifier
        self._tenant = tenant
        self._response_id = response_id
        self._pending: list[JSONObject] = []
        self._last_flush = time.monotonic()

    async def __call__(self, event: JSONObject) -> None:
        self._pending.append(event)
        kind = event["type"]
        if (
            kind in TERMINAL_EVENTS
            or kind in ("response.created", "response.queued", "response.in_progress", "response.output_item.done")
            or len(self._pending) >= _FLUSH_EVERY
            or time.monotonic() - self._last_flush >= _FLUSH_AFTER_SECONDS
        ):
            await self.flush()

    async def flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            await self._store.background.append_events(self._tenant, self._response_id, batch)
            self._notifier.notify(self._response_id)
        self._last_flush = time.monotonic()


class Background:
    """Submit, cancel and replay background responses. The worker (set at start-up) runs them."""

    def __init__(
        self,
        *,
        store: Store,
        pipeline: Pipeline,
        clock: Clock,
        notifier: EventNotifier,
        options: BackgroundOptions,
    ) -> None:
        self._store = store
        self._pipeline = pipeline
        self._clock = clock
        self.notifier = notifier
        self.options = options
        # Runs submitted here, for this server's worker to pick up: a bounded number (beyond it, rebuilt).
        self.adopted = AdoptedRuns(limit=options.adopted_limit)
        self.running: dict[str, Run] = {}  # runs this server's worker is running now
        self.wake = asyncio.Event()

    def hold_for(self, headers: Mapping[str, str], scripted: Mapping[str, Any] | None) -> LifecycleHold:
        """The settings' hold, then the request header's, then the scenario turn's (most specific wins)."""
        hold = self.options.hold
        header = headers.get(HOLD_HEADER)
        if header:
            hold = hold.overridden(LifecycleHold.parse_header(header))
        return hold.overridden(scripted or {})

    async def submit(
        self, run: Run, *, body: JSONObject, headers: Mapping[str, str], hold: LifecycleHold
    ) -> JSONObject:
        """Store the response ``queued`` and its job; returns the queued Response."""
        requested_store = run.store
        streamed = bool(body.get("stream"))
        self.configure(run, streamed=streamed)
        # The response and its job are separate writes: until the job is in, the heartbeat leases the response
        # like a stream, so that a crash between the two leaves an orphan another server can tell and end.
        response_id = run.emitter.ids.response_id
        self._pipeline.in_flight.add(response_id)
        try:
            opened = await self._pipeline.open(run)
            now = self._clock.now()
            job = JobRecord(
                response_id=opened["id"],
                tenant=run.tenant,
                state="queued",
                payload={
                    "body": body,
                    "headers": {k: v for k, v in headers.items() if k.startswith("x-") or k == "user-agent"},
                    "request_id": run.request_id,
                    "created_at": opened["created_at"],
                    "stream": streamed,
                    "in_progress_seconds": hold.in_progress_seconds,
                },
                created_at=now,
                queued_until=now + hold.queued_seconds,
                queued_polls=hold.queued_polls,
                in_progress_polls=hold.in_progress_polls,
                expires_at=None if requested_store else now + self.options.store_false_ttl_seconds,
            )
            # Before the job is in: a worker that claims it must find the run (or its decisions) here.
            self.adopted.add(job.response_id, run)
            try:
                await self._store.background.enqueue(job)
            except BaseException:
                self.adopted.discard(job.response_id)
                raise
        finally:
            self._pipeline.in_flight.discard(response_id)
        self.wake.set()
        return opened

    def configure(self, run: Run, *, streamed: bool) -> None:
        """Make a run a background run, wherever it runs: stored as it progresses (even with store: false,
        for polling; deleted after a while, REFERENCE §E), and streamed into the event log when asked."""
        run.store = True
        run.persist_progress = True
        if streamed:
            run.observers.append(EventLogWriter(self._store, self.notifier, run.tenant, run.emitter.ids.response_id))

    async def note_poll(self, record: ResponseRecord) -> None:
        if record.background and record.status in ("queued", "in_progress"):
            await self._store.background.note_poll(record.tenant, record.id)
            self.wake.set()

    async def cancel(self, record: ResponseRecord) -> JSONObject:
        """Cancel a background response: idempotent, and written to the database before anyone acts on it."""
        if not record.background:
            raise InvalidRequestError("Cannot cancel a synchronous response.")
        if record.status not in ("queued", "in_progress"):
            return record.body
        job = await self._store.background.request_cancel(record.tenant, record.id)
        if job is not None and job.state == "queued" and await self._store.background.cancel_queued(record.id):
            self.adopted.discard(record.id)
            body = ordered(record.body | {"status": "cancelled"})
            await self._store.responses.update(record.tenant, record.id, status="cancelled", body=body, output_items=[])
            self.notifier.notify(record.id)
            self.finished(record.id, "cancelled")
            return body
        local = self.running.get(record.id)
        if local is not None:
            local.cancel.set()
        return await self._await_terminal(record)

    async def _await_terminal(self, record: ResponseRecord) -> JSONObject:
        """Wait (briefly) for the runner, here or on another replica, to stop the response."""
        deadline = time.monotonic() + max(self.options.heartbeat_seconds * 4, 2.0)
        current = record
        while time.monotonic() < deadline:
            fresh = await self._store.responses.get(record.tenant, record.id)
            if fresh is None:
                break
            current = fresh
            if current.status not in ("queued", "in_progress"):
                break
            await asyncio.sleep(self.options.poll_seconds)
        return current.body

    def finished(self, response_id: str, status: str) -> None:
        """Hook for the end of a background response (webhooks); replaced at start-up."""

    async def replay(
        self, record: ResponseRecord, *, starting_after: int | None, obfuscation: bool
    ) -> AsyncIterator[JSONObject]:
        """Check that the response's stream can be replayed (raising the real 400s before any byte is sent)
        and return its events after ``starting_after``, then the live tail until the response ends."""
        job = await self._store.background.get(record.tenant, record.id) if record.background else None
        if job is None or not job.payload.get("stream"):
            raise InvalidRequestError(
                "This response cannot be streamed because it was not created with background=true and stream=true.",
                param="stream",
            )
        age = self._clock.now() - job.created_at
        if age > self.options.replay_window_seconds:
            minutes = round(self.options.replay_window_seconds / 60)
            raise InvalidRequestError(
                f"This response can no longer be streamed because it is more than {minutes} minutes old"
            )
        return self._tail(record, -1 if starting_after is None else starting_after, obfuscation)

    async def _tail(self, record: ResponseRecord, after: int, obfuscation: bool) -> AsyncIterator[JSONObject]:
        repo = self._store.background
        while True:
            events = await repo.read_events(record.tenant, record.id, after=after)
            for event in events:
                after = event["sequence_number"]
                yield event if obfuscation else {k: v for k, v in event.items() if k != "obfuscation"}
                if event["type"] in TERMINAL_EVENTS:
                    return
            if events:
                continue
            job = await repo.get(record.tenant, record.id)
            if job is None or job.state == "done":
                # A cancelled response ends its stream without a terminal event (there is none for it);
                # read once more in case the last batch landed between the two queries.
                for event in await repo.read_events(record.tenant, record.id, after=after):
                    yield event if obfuscation else {k: v for k, v in event.items() if k != "obfuscation"}
                return
            await self.notifier.wait(record.id, self.options.poll_seconds * 2.5)
