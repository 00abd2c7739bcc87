"""The prepared runs of the background jobs submitted on this server, kept for its worker, within a bound.

A job submitted here is usually claimed by this server's worker, which then runs the very ``Run`` the request
prepared. Keeping every one costs about 15 KiB a queued job, so a queue that grows under overload would grow
memory with it: ``AdoptedRuns`` keeps at most ``limit`` runs, and for the jobs beyond it only the few
``Decisions`` their submission made that cannot be made again. When such a job is claimed, the worker rebuilds
its run from the stored request (the path a job submitted on another replica takes) with those decisions
pinned (``pinned``): the scripted turn chosen at submission, not a second one (choosing consumes a queued or
numbered turn), and no second rate-limit admission. So a rebuilt job answers what the kept run would have.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pipeline imports ratelimit, which imports this module: no runtime import back
    from scenarios.base import Backend
    from server.engine.pipeline import Pacing, Run

# About 15 KiB each: 256 runs are ~4 MiB, and more than a server's worker runs in the few seconds it takes
# to work through them (16 at a time), so below overload every job still runs the run its request prepared.
DEFAULT_LIMIT = 256
# A few hundred bytes each (references to the chosen backend and its settings): 20,000 are a few MiB. Past it
# the oldest go, and their jobs choose again when rebuilt, as a job accepted by another replica does.
DEFAULT_PIN_LIMIT = 20_000
# A kept run this old is not waiting for this server's worker: another replica claimed or cancelled its job
# (nothing tells this one), or a hold keeps it queued. When the map is full it makes room for a new run;
# should its job still come here, it is rebuilt with its decisions pinned.
STALE_AFTER_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Decisions:
    """What a background submission decided that rebuilding the run must not decide again."""

    backend: Backend
    pacing: Pacing
    drop_after_events: int | None
    lifecycle: dict[str, float] | None

    @classmethod
    def of(cls, run: Run) -> Decisions:
        return cls(run.backend, run.pacing, run.drop_after_events, run.lifecycle)


_PINNED: ContextVar[Decisions | None] = ContextVar("openai_emulator_pinned_decisions", default=None)


@contextmanager
def pinned(decisions: Decisions | None) -> Iterator[None]:
    """Within it (this task only), ``Scripting.choose`` answers with ``decisions`` instead of consulting the
    scripts, and ``RateLimiter.admit`` admits without counting (the submission was counted). None: no-op."""
    token = _PINNED.set(decisions)
    try:
        yield
    finally:
        _PINNED.reset(token)


def pinned_decisions() -> Decisions | None:
    """The decisions pinned for the run being rebuilt in this task, if any."""
    return _PINNED.get()


class AdoptedRuns:
    """At most ``limit`` prepared runs by response id, oldest kept first; ``Decisions`` for the others."""

    def __init__(
        self,
        *,
        limit: int = DEFAULT_LIMIT,
        pin_limit: int = DEFAULT_PIN_LIMIT,
        stale_after_seconds: float = STALE_AFTER_SECONDS,
    ) -> None:
        self.limit = limit
        self.pin_limit = pin_limit
        self._stale_after = stale_after_seconds
        self._runs: OrderedDict[str, tuple[float, Run]] = OrderedDict()  # by response id: (kept since, run)
        self._pins: OrderedDict[str, Decisions] = OrderedDict()
        self.dropped = 0  # runs not kept since start (or made room for): their jobs are rebuilt

    def add(self, response_id: str, run: Run) -> None:
        """Keep ``run`` for the worker, or only its decisions when ``limit`` runs are kept already.

        The oldest are kept rather than the newest: claims take the oldest job first, so they run next."""
        now = time.monotonic()
        while self._runs and len(self._runs) >= self.limit:
            oldest_id, (since, oldest) = next(iter(self._runs.items()))
            if now - since < self._stale_after:
                break
            del self._runs[oldest_id]
            self._pin(oldest_id, oldest)
        if len(self._runs) < self.limit:
            self._runs[response_id] = (now, run)
        else:
            self._pin(response_id, run)

    def take(self, response_id: str) -> Run | Decisions | None:
        """The run kept for the job (or its decisions), forgotten here; None when this server never had it."""
        kept = self._runs.pop(response_id, None)
        pin = self._pins.pop(response_id, None)
        return kept[1] if kept is not None else pin

    def discard(self, response_id: str) -> None:
        """Forget the job's run or decisions (cancelled while queued, or never enqueued)."""
        self._runs.pop(response_id, None)
        self._pins.pop(response_id, None)

    def __len__(self) -> int:
        """How many prepared runs are kept."""
        return len(self._runs)

    def __contains__(self, response_id: object) -> bool:
        return response_id in self._runs or response_id in self._pins

    @property
    def pins(self) -> int:
        """How many jobs are remembered by their decisions only."""
        return len(self._pins)

    def _pin(self, response_id: str, run: Run) -> None:
        self.dropped += 1
        if self.pin_limit <= 0:
            return
        self._pins[response_id] = Decisions.of(run)
        while len(self._pins) > self.pin_limit:
            self._pins.popitem(last=False)
