"""The background worker: claims jobs from the database with a lease, runs them, and keeps the queue honest.

Several servers may share one database: each claims jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), renews
its leases by heartbeat (the heartbeat also picks up cancel requests written by any replica), and takes over
jobs whose lease lapsed because their server died, ending them ``failed`` (their partial events cannot be
trusted to continue). The heartbeat also leases the responses this server produces outside any job (stored
foreground streams, background responses whose job is not written yet: ``Pipeline.in_flight``), and the
takeover pass ends those of dead servers ``failed`` too (``server.engine.recovery``). Nothing stays
``queued`` or ``in_progress`` forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from server.engine.adopted import Decisions, pinned
from server.engine.background import Background, BackgroundOptions
from server.engine.emitter import wire_event
from server.engine.ids import Clock, IdFactory, SystemClock
from server.engine.pipeline import GENERIC_FAILURE, Pipeline, Run
from server.engine.recovery import fail_response
from server.engine.skeleton import ordered
from server.metrics import set_background_jobs
from storage.base import JobRecord, Store

log = logging.getLogger("openai_emulator.worker")
Rebuild = Callable[[JobRecord], Awaitable[Run]]


class BackgroundWorker:
    """Runs this server's share of the background jobs."""

    def __init__(
        self,
        *,
        store: Store,
        pipeline: Pipeline,
        background: Background,
        rebuild: Rebuild,
        clock: Clock,
        ids: IdFactory,
        options: BackgroundOptions,
    ) -> None:
        self._store = store
        self._pipeline = pipeline
        self._background = background
        self._rebuild = rebuild
        self._clock = clock
        self._options = options
        self._ids = ids
        # Random even when ids are seeded: a restarted server must not inherit its dead predecessor's leases.
        self.owner = f"worker_{secrets.token_hex(25)}"
        self._leasing = False  # whether this server holds response leases (rows to renew or drop)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._jobs: dict[str, asyncio.Task[None]] = {}  # every job of this server's until its row is done
        # The jobs that take a slot of ``concurrency``: until their response has ended. Writing the job row
        # ``done`` after that is bookkeeping, and under load it waits its turn for the database like any write.
        self._busy: set[str] = set()
        self._stopping = False

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        for loop_body in (self._claim_loop, self._heartbeat_loop, self._takeover_loop, self._expiry_loop):
            task = loop.create_task(loop_body(), name=f"worker-{loop_body.__name__}")
            self._tasks.add(task)

    async def stop(self) -> None:
        """Stop claiming; let running jobs finish within the grace period, then hand the rest back."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._jobs:
            _, pending = await asyncio.wait(set(self._jobs.values()), timeout=self._options.shutdown_grace_seconds)
            for response_id, task in list(self._jobs.items()):
                if task in pending:
                    run = self._background.running.get(response_id)
                    if run is not None:
                        run.handed_back = True  # leave it in_progress: another server's takeover ends it
                    task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._store.background.release(self.owner)
        if self._leasing:  # whatever is still in flight here is ended by the takeover of a live server
            now = self._clock.now()
            await self._store.background.lease_responses(self.owner, [], now=now, until=now)

    # --- loops --------------------------------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        """Fill the free slots with the oldest claimable jobs: as many as are free, in one claim."""
        while not self._stopping:
            free = self._options.concurrency - len(self._busy)
            # Cleared before claiming: a job submitted meanwhile (or a slot freed) sets it again, and the wait
            # below returns at once instead of after a poll interval.
            self._background.wake.clear()
            if free > 0:
                claimed: list[JobRecord] = []
                try:
                    claimed = await self._store.background.claim(
                        self.owner, self._clock.now(), self._options.lease_seconds, limit=free
                    )
                except Exception:
                    log.exception("claiming background jobs failed")
                for job in claimed:
                    task = asyncio.get_running_loop().create_task(self._run_job(job), name=f"job-{job.response_id}")
                    self._jobs[job.response_id] = task
                    self._busy.add(job.response_id)
                    task.add_done_callback(self._forget(job.response_id))
                if claimed and len(claimed) == free:
                    continue  # there may be more: claim again once a slot frees up (which sets the wake)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._background.wake.wait(), self._options.poll_seconds)

    def _free_slot(self, response_id: str) -> None:
        if response_id in self._busy:
            full = len(self._busy) >= self._options.concurrency
            self._busy.discard(response_id)
            if full:  # the claim loop may be waiting for a free slot
                self._background.wake.set()

    def _forget(self, response_id: str) -> Callable[[asyncio.Task[None]], None]:
        def forget(_task: asyncio.Task[None]) -> None:
            self._free_slot(response_id)
            self._jobs.pop(response_id, None)

        return forget

    async def _heartbeat_loop(self) -> None:
        while True:
            try:
                await self._lease_responses()
            except Exception:
                log.exception("leasing in-flight responses failed")
            await asyncio.sleep(self._options.heartbeat_seconds)
            ids = list(self._jobs)
            try:
                cancelled = await self._store.background.renew(
                    self.owner, ids, self._clock.now() + self._options.lease_seconds
                )
            except Exception:
                log.exception("renewing leases failed")
                continue
            for response_id in cancelled:
                run = self._background.running.get(response_id)
                if run is not None:
                    run.cancel.set()

    async def _lease_responses(self) -> None:
        """Renew the leases of the responses this server produces outside any job (none: no write at all)."""
        in_flight = list(self._pipeline.in_flight)
        if not in_flight and not self._leasing:
            return
        now = self._clock.now()
        await self._store.background.lease_responses(
            self.owner, in_flight, now=now, until=now + self._options.lease_seconds
        )
        self._leasing = bool(in_flight)

    async def _takeover_loop(self) -> None:
        while True:
            await asyncio.sleep(max(self._options.lease_seconds / 4, self._options.poll_seconds))
            try:
                lapsed = await self._store.background.take_over_expired(
                    self.owner, self._clock.now(), self._options.lease_seconds
                )
                for job in lapsed:
                    if job.response_id not in self._jobs:
                        await self._end_failed(job)
                await self._end_orphans()
                counts = await self._store.background.count_by_state()
                for state in ("queued", "running", "done"):
                    set_background_jobs(state, counts.get(state, 0))
            except Exception:
                log.exception("taking over lapsed jobs failed")

    async def _end_orphans(self) -> None:
        """End ``failed`` the responses dead servers left in flight outside any job (their lease lapsed)."""
        now = self._clock.now()
        lease = self._options.lease_seconds
        # Younger than a lease (and a second, created_at being whole seconds), a response may not be leased
        # yet: its server leases it at its next heartbeat. A dead server's are older anyway once theirs lapse.
        orphans = await self._store.background.find_orphans(alive_at=now, created_before=now - lease - 1)
        ended = 0
        for orphan in orphans:
            if orphan.response_id in self._pipeline.in_flight:
                continue  # this server's own (its lease may look lapsed on a clock a test moved)
            request_id = self._ids.new("req")
            if not orphan.background:
                ended += await fail_response(self._store, orphan.tenant, orphan.response_id, request_id)
                continue
            logged = await self._store.background.read_events(orphan.tenant, orphan.response_id, after=-1, limit=1)
            job = JobRecord(
                response_id=orphan.response_id,
                tenant=orphan.tenant,
                state="running",
                payload={"request_id": request_id, "stream": bool(logged), "orphan": True},
                created_at=now,
                owner=self.owner,
                lease_expires_at=now + lease,
            )
            # The job row makes it an ordinary job of this server's (a job takeover finishes it should this
            # server die now), and a late enqueue of the same response fails instead of running it.
            if await self._store.background.adopt(job):
                await self._end_failed(job)
                ended += 1
        if ended:
            log.warning("ended %d responses left in flight by a dead server as failed", ended)

    async def _expiry_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                await self._store.background.expire(self._clock.now())
            except Exception:
                log.exception("expiring store=false background responses failed")

    # --- one job ------------------------------------------------------------------------------------------

    async def _run_job(self, job: JobRecord) -> None:
        kept = self._background.adopted.take(job.response_id)
        if isinstance(kept, Run):
            run = kept
        else:
            try:
                run = await self._rebuilt(job, kept)
            except Exception:
                log.exception("cannot rebuild background response %s", job.response_id)
                await self._end_failed(job)
                return
        run.hold = lambda: self._hold_in_progress(job, run)
        self._background.running[job.response_id] = run
        try:
            async for _ in self._pipeline.events(run, resume=True):
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background response %s failed", job.response_id)
        finally:
            self._background.running.pop(job.response_id, None)
        if run.handed_back:
            return
        # The response has ended (stored): the slot can take the next job while the row is written ``done``.
        # The job stays in ``_jobs`` (its lease renewed) until then; were this server to die first, a takeover
        # finds the response ended and only writes the row.
        self._free_slot(job.response_id)
        await self._store.background.finish(job.response_id)
        final = run.fold.final or run.fold.response
        status = str(final["status"]) if final is not None else "failed"
        self._background.notifier.notify(job.response_id)
        self._background.finished(job.response_id, status)

    async def _rebuilt(self, job: JobRecord, decisions: Decisions | None) -> Run:
        """The job's run, prepared again from its stored request: with the decisions its submission made
        when it was submitted here (``server.engine.adopted``), and with its stored input items."""
        with pinned(decisions):
            run = await self._rebuild(job)
        self._background.configure(run, streamed=bool(job.payload.get("stream")))
        await self._pipeline.prime(run)
        if (job.payload.get("body") or {}).get("conversation") is not None and run.input_items:
            # Preparing again gave the input items new ids; its conversation must get the ones stored with
            # the response (and listed as its input items), as it would from the run prepared at submission.
            page = await self._store.responses.list_input_items(
                job.tenant, job.response_id, limit=len(run.input_items) + 1, order="asc"
            )
            if page is not None and len(page.data) == len(run.input_items):
                run.input_items = page.data
        return run

    async def _hold_in_progress(self, job: JobRecord, run: Run) -> None:
        """Keep the response in progress until the hold's time has passed and it was polled enough."""
        until = self._clock.now() + float(job.payload.get("in_progress_seconds") or 0)
        while not run.cancel.is_set():
            now = self._clock.now()
            wait = self._options.poll_seconds
            if now >= until:
                if job.in_progress_polls <= 0:
                    return
                current = await self._store.background.get(job.tenant, job.response_id)
                if current is None or current.polls >= job.in_progress_polls:
                    return
            elif isinstance(self._clock, SystemClock):
                # The time left at once (a cancel still ends the wait): polling it cost a wake-up every poll
                # interval for every held job, and under load overshot the hold by up to a poll and a loop
                # turn. Other clocks (a test's) move only when told, so they are looked at every poll.
                wait = until - now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.cancel.wait(), wait)

    async def _end_failed(self, job: JobRecord) -> None:
        """End a job whose server died: the response fails with the real generic error."""
        record = await self._store.responses.get(job.tenant, job.response_id)
        if record is not None and record.status in ("queued", "in_progress"):
            error = {
                "code": "server_error",
                "message": GENERIC_FAILURE.format(request_id=job.payload.get("request_id", "")),
            }
            body = ordered(record.body | {"status": "failed", "error": error, "usage": None})
            await self._store.responses.update(
                job.tenant, job.response_id, status="failed", body=body, output_items=body.get("output", [])
            )
            if job.payload.get("stream"):
                logged = await self._store.background.read_events(job.tenant, job.response_id, after=-1, limit=100_000)
                seq = logged[-1]["sequence_number"] + 1 if logged else 0
                nested = {"type": "server_error", **error, "param": None}
                await self._store.background.append_events(
                    job.tenant,
                    job.response_id,
                    [wire_event("error", seq, error=nested), wire_event("response.failed", seq + 1, response=body)],
                )
            self._background.finished(job.response_id, "failed")
        await self._store.background.finish(job.response_id)
        self._background.notifier.notify(job.response_id)
