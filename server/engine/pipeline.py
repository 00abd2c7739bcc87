"""Run one response: backend -> emitter -> sinks (fold, storage, client).

A non-streaming response is the fold of exactly the events a stream would carry, so the two cannot disagree.
Storage follows the events: a non-streaming run is written once, whole, when it ends; a streaming run is
written at ``response.created`` and again at every finished item, so ``GET`` shows it while it streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import anyio

from scenarios.base import Backend, BackendEvent, BackendRequest, Delay, Fail
from server.engine.emitter import Emitter
from server.engine.fold import Fold
from server.engine.ratelimit import RateLimiter
from storage.base import ResponseRecord, Store

JSONObject = dict[str, Any]
log = logging.getLogger("openai_emulator.pipeline")

GENERIC_FAILURE = (
    "An error occurred while processing your request. You can retry your request, or contact us through our "
    "help center at help.openai.com if the error persists. Please include the request ID {request_id} in your "
    "message."
)


class ConnectionDropped(Exception):
    """A scripted fault: the server closes a stream's connection mid-way, as a network failure would."""


# Snapshots stored while a response runs: when it starts (and, in background, leaves the queue) and as each
# output item finishes.
_PROGRESS_EVENTS = frozenset({"response.created", "response.in_progress", "response.output_item.done"})


@dataclass(frozen=True)
class Pacing:
    """How fast deltas flow: a pause before the first, then one per delta (seconds), with seeded jitter."""

    first_delta_seconds: float = 0.0
    per_delta_seconds: float = 0.0
    jitter: float = 0.0
    seed: int | None = None

    @property
    def active(self) -> bool:
        return self.first_delta_seconds > 0 or self.per_delta_seconds > 0

    def pauses(self) -> PacingClock:
        return PacingClock(self)


class PacingClock:
    """The pauses of one run, in order."""

    def __init__(self, pacing: Pacing) -> None:
        self._pacing = pacing
        self._random = random.Random(pacing.seed)
        self._first = True

    def before_delta(self) -> float:
        pacing = self._pacing
        base = pacing.first_delta_seconds if self._first else pacing.per_delta_seconds
        self._first = False
        if pacing.jitter:
            base *= 1 + pacing.jitter * (2 * self._random.random() - 1)
        return max(base, 0.0)


@dataclass
class Run:
    """Everything one response needs to run, decided before the first event."""

    tenant: str
    backend: Backend
    backend_request: BackendRequest
    emitter: Emitter
    input_items: Sequence[JSONObject]
    store: bool
    previous_response_id: str | None
    request_id: str = ""
    persist_progress: bool = False  # streaming: store at created and at each finished item
    pacing: Pacing = Pacing()
    streaming: bool = False
    drop_after_events: int | None = None  # scripted fault: streams close the connection after N events
    # Events the server itself emits before the backend speaks (automatic compaction, or the failure of a
    # streamed request whose context does not fit); when they end the response the backend is not asked.
    leading: tuple[BackendEvent, ...] = ()
    # Background runs: observers see every event (the event log); `cancel` stops generation; `hold` keeps the
    # response in progress (lifecycle control); `handed_back` leaves it for another server at shutdown.
    observers: list[Callable[[JSONObject], Awaitable[None]]] = field(default_factory=list)
    hold: Callable[[], Awaitable[None]] | None = None
    handed_back: bool = False
    lifecycle: dict[str, float] | None = None  # a scenario turn's background hold

    def __post_init__(self) -> None:
        self.fold = Fold()
        self.inserted = False
        self._cancel: asyncio.Event | None = None

    @property
    def cancel(self) -> asyncio.Event:
        """Set to stop generation (background cancel, shutdown). Made when first asked for: most runs are
        never cancelled, and an Event per create was ~2% of it (issue 8's profile)."""
        if self._cancel is None:
            self._cancel = asyncio.Event()
        return self._cancel

    @property
    def cancel_requested(self) -> bool:
        return self._cancel is not None and self._cancel.is_set()


class Pipeline:
    """Drives runs and keeps what ``store`` asks to keep."""

    def __init__(self, store: Store, *, limiter: RateLimiter | None = None) -> None:
        self._store = store
        self._limiter = limiter
        # Stored responses this server is producing that no background job covers (stored streams; and
        # background submissions until their job is written): the worker's heartbeat leases them, so that
        # other replicas can tell them from the orphans of a dead server.
        self.in_flight: set[str] = set()

    async def open(self, run: Run) -> JSONObject:
        """Background: emit and store ``response.created`` and ``response.queued``; the queued Response."""
        for event in run.emitter.opening():
            if self._fold(run, event):
                await self._sink(run, event)
        return run.fold.snapshot()

    async def prime(self, run: Run) -> None:
        """Background run rebuilt on another server: fold the opening events it already stored and sent."""
        for event in run.emitter.opening():
            run.fold.apply(event)
        run.inserted = True

    async def events(self, run: Run, *, resume: bool = False) -> AsyncGenerator[JSONObject, None]:
        """Every wire event of the run, in order; the last one is terminal (``resume``: a background run,
        from ``response.in_progress`` on, after ``open``).

        If the consumer stops early (a streaming client disconnected), or the run is cancelled, generation
        stops and the stored response is ended as ``cancelled`` with the items finished so far.
        """
        sent = 0
        leased = run.store and run.persist_progress and not resume  # a stored stream: stored before it ends
        if leased:
            self.in_flight.add(run.emitter.ids.response_id)
        try:
            opening = run.emitter.in_progress() if resume else run.emitter.start()
            for event in opening:
                if self._fold(run, event):
                    await self._sink(run, event)
                yield event
                sent += 1
            if run.hold is not None:
                await run.hold()
            async for batch in self._generate(run):
                for event in batch:
                    if run.streaming and run.drop_after_events is not None and sent >= run.drop_after_events:
                        raise ConnectionDropped(f"scripted fault: connection dropped after {sent} events")
                    if self._fold(run, event):
                        await self._sink(run, event)
                    yield event
                    sent += 1
        finally:
            await self._end_unfinished(run)
            if leased:
                self.in_flight.discard(run.emitter.ids.response_id)

    async def _generate(self, run: Run) -> AsyncGenerator[list[JSONObject], None]:
        """The wire events after the opening ones, in batches (the events of one backend event): one resume of
        this generator per batch rather than per event, as a short reply's events mostly come a few at once."""
        emitter = run.emitter
        pauses = run.pacing.pauses() if run.pacing.active else None
        try:
            for leading in run.leading:
                yield emitter.feed(leading)
            if emitter.finished:
                return
            backend_events = run.backend.stream(run.backend_request)
            try:
                async for backend_event in backend_events:
                    if run.cancel_requested:
                        return  # cancelled: events() ends the response as cancelled
                    if isinstance(backend_event, Delay):
                        await self._pause(run, backend_event.seconds)
                        continue
                    events = self._feed(run, backend_event)
                    if pauses is None:
                        yield events
                    else:  # paced: each delta waits its turn, so the events go one at a time
                        for event in events:
                            if event["type"].endswith(".delta"):
                                await self._pause(run, pauses.before_delta())
                                if run.cancel.is_set():
                                    return
                            yield [event]
                    if emitter.finished:
                        break
            finally:
                await _close(backend_events)
            closing = emitter.finish()
        except Exception:  # a backend bug must end the response as failed, never hang or 500 mid-stream
            closing = self._backend_failed(run)
        yield closing

    async def _all_events(self, run: Run) -> list[JSONObject]:
        """``_generate``'s events in one list, for a run that nobody reads event by event and that no pacing
        spaces out (``complete``). The same steps without an async generator between the backend and the
        fold: resuming it per batch was ~1.5% of a short create (issue 8)."""
        emitter = run.emitter
        events: list[JSONObject] = []
        try:
            for leading in run.leading:
                events += emitter.feed(leading)
            if emitter.finished:
                return events
            backend_events = run.backend.stream(run.backend_request)
            try:
                async for backend_event in backend_events:
                    if run.cancel_requested:
                        return events
                    if isinstance(backend_event, Delay):
                        await self._pause(run, backend_event.seconds)
                        continue
                    events += self._feed(run, backend_event)
                    if emitter.finished:
                        break
            finally:
                await _close(backend_events)
            events += emitter.finish()
        except Exception:
            events += self._backend_failed(run)
        return events

    @staticmethod
    def _feed(run: Run, backend_event: BackendEvent) -> list[JSONObject]:
        if isinstance(backend_event, Fail) and not backend_event.message:
            backend_event = Fail(backend_event.code, GENERIC_FAILURE.format(request_id=run.request_id))
        return run.emitter.feed(backend_event)

    @staticmethod
    async def _pause(run: Run, seconds: float) -> None:
        """Wait ``seconds``, or until the run is cancelled."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.cancel.wait(), seconds)

    @staticmethod
    def _backend_failed(run: Run) -> list[JSONObject]:
        log.exception("backend %s failed", run.backend.name)
        return run.emitter.fail("server_error", GENERIC_FAILURE.format(request_id=run.request_id))

    async def complete(self, run: Run) -> JSONObject:
        """Run to the end and return the final Response (the non-streaming path).

        The same events as ``events`` yields, folded and stored the same way, but taken all at once (a batch
        at a time when paced): nobody reads them one by one, and resuming ``events`` for each was ~3% of a
        short create (issue 8).
        """
        try:
            await self._take(run, run.emitter.start())
            if run.hold is not None:
                await run.hold()
            if run.pacing.active:
                async with aclosing(self._generate(run)) as batches:
                    async for batch in batches:
                        await self._take(run, batch)
            else:
                await self._take(run, await self._all_events(run))
        finally:
            await self._end_unfinished(run)
        assert run.fold.final is not None
        return run.fold.final

    async def _take(self, run: Run, events: list[JSONObject]) -> None:
        if run.observers or run.persist_progress:
            for event in events:
                if self._fold(run, event):
                    await self._sink(run, event)
            return
        # Nobody watches the events and nothing is stored before the end: only the terminal event, the last one
        # the fold accepts, has work in ``_sink``. (A batch after it is empty: the fold refuses any event.)
        if not events:
            return
        apply = run.fold.apply
        for event in events:
            apply(event)
        if run.fold.final is not None:
            await self._sink(run, events[-1])

    @staticmethod
    def _fold(run: Run, event: JSONObject) -> bool:
        """Fold the event; whether ``_sink`` has work for it (most deltas need none, and an await per event
        was a measurable part of a short create)."""
        run.fold.apply(event)
        return bool(
            run.fold.terminal
            or run.observers
            or (run.store and run.persist_progress and event["type"] in _PROGRESS_EVENTS)
        )

    async def _sink(self, run: Run, event: JSONObject) -> None:
        """Store what the (folded) event changed and tell observers; the terminal state is stored before it is
        sent."""
        if run.store and (run.fold.terminal or (run.persist_progress and event["type"] in _PROGRESS_EVENTS)):
            await self._save(run, run.fold.snapshot())
        for observer in run.observers:
            await observer(event)
        if run.fold.final is not None:
            await self._add_to_conversation(run, run.fold.final)
            usage = run.fold.final.get("usage")
            if self._limiter is not None and usage:
                self._limiter.consume(run.tenant, usage["output_tokens"])  # input was counted at admission

    async def _add_to_conversation(self, run: Run, response: JSONObject) -> None:
        """Append a finished response's input items and all its output items to its conversation, at once.

        One call, one transaction: nothing of the turn is visible while it runs, then all of it is, and turns
        finishing together never interleave. It happens before the terminal event is sent, so a client that
        has seen the response end sees its items. Only ``completed`` and ``incomplete`` responses add a turn:
        a failed or cancelled one has nothing a next turn should build on [inferred: the API says items are
        added "after this response completes"]. Independent of ``store``, as conversations are their own
        storage [inferred, REFERENCE §F].
        """
        conversation_id = (response.get("conversation") or {}).get("id")
        if conversation_id is None or response["status"] not in ("completed", "incomplete"):
            return
        items = [*run.input_items, *response["output"]]
        if not await self._store.conversations.append_items(run.tenant, conversation_id, items):
            # Deleted while the response ran: the response stands, the turn has nowhere to go.
            log.warning("conversation %s vanished before response %s finished", conversation_id, response["id"])

    async def _end_unfinished(self, run: Run) -> None:
        """A run that stopped before its terminal event (and was not handed to another server) is abandoned,
        even while its task is being cancelled."""
        if not run.fold.terminal and not run.handed_back:
            with anyio.CancelScope(shield=True):
                await self._abandon(run)

    async def _abandon(self, run: Run) -> None:
        # No SSE event exists for this; the stored object is what a later GET sees. `cancelled` is the status
        # the real API gives a response whose generation was stopped before it finished (REFERENCE §C.3).
        snapshot = run.emitter.abandon()
        for observer in run.observers:
            flush = getattr(observer, "flush", None)
            if flush is not None:
                await flush()
        if run.store and run.inserted:
            await self._save(run, snapshot)

    async def _save(self, run: Run, response: JSONObject) -> None:
        repo = self._store.responses
        if run.inserted:
            await repo.update(
                run.tenant,
                response["id"],
                status=response["status"],
                body=response,
                output_items=response["output"],
            )
            return
        record = ResponseRecord(
            id=response["id"],
            tenant=run.tenant,
            created_at=response["created_at"],
            status=response["status"],
            body=response,
            previous_response_id=run.previous_response_id,
            background=bool(response.get("background")),
            conversation_id=(response.get("conversation") or {}).get("id"),
        )
        await repo.insert(record, input_items=run.input_items, output_items=response["output"])
        run.inserted = True


async def _close(backend_events: object) -> None:
    """Close a backend's stream now when the run stops early (disconnect, budget), so that its cleanup runs at
    once. Backends are usually async generators, but the contract only promises an async iterator."""
    aclose = getattr(backend_events, "aclose", None)
    if aclose is not None:
        await aclose()
