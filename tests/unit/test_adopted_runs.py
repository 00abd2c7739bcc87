"""``AdoptedRuns``: at most ``limit`` prepared runs, the oldest kept; decisions only for the rest, bounded too;
stale runs make room; ``pinned`` scopes the decisions to the task rebuilding the run."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest

from server.engine.adopted import AdoptedRuns, Decisions, pinned, pinned_decisions
from server.engine.pipeline import Pacing, Run


def run(name: str) -> Run:
    fake: Any = SimpleNamespace(backend=name, pacing=Pacing(), drop_after_events=None, lifecycle={"hold": 1.0})
    return cast(Run, fake)


def test_the_oldest_runs_are_kept_and_the_others_remembered_by_their_decisions() -> None:
    adopted = AdoptedRuns(limit=2)
    runs = {rid: run(rid) for rid in ("a", "b", "c")}
    for rid, prepared in runs.items():
        adopted.add(rid, prepared)
    assert len(adopted) == 2 and adopted.pins == 1 and adopted.dropped == 1
    assert adopted.take("a") is runs["a"]  # claimed next (claims go oldest first): still prepared
    dropped = adopted.take("c")
    assert isinstance(dropped, Decisions)
    assert (dropped.backend, dropped.lifecycle) == ("c", {"hold": 1.0})
    assert adopted.take("c") is None and adopted.take("unknown") is None
    adopted.add("d", runs["a"])  # room again
    assert len(adopted) == 2 and adopted.pins == 0


def test_a_stale_run_makes_room_for_a_new_one() -> None:
    adopted = AdoptedRuns(limit=1, stale_after_seconds=0.0)
    adopted.add("old", run("old"))
    new = run("new")
    adopted.add("new", new)
    assert adopted.take("new") is new
    assert isinstance(adopted.take("old"), Decisions)  # should its job still come here, it is rebuilt


def test_decisions_are_bounded_too_oldest_out_first() -> None:
    adopted = AdoptedRuns(limit=0, pin_limit=3)
    for n in range(5):
        adopted.add(f"r{n}", run(f"r{n}"))
    assert len(adopted) == 0 and adopted.pins == 3 and adopted.dropped == 5
    assert adopted.take("r0") is None and adopted.take("r1") is None  # chosen again when rebuilt
    assert isinstance(adopted.take("r4"), Decisions)
    adopted.discard("r3")
    assert "r3" not in adopted and "r2" in adopted


@pytest.mark.anyio
async def test_pinned_decisions_hold_only_in_the_task_that_pinned_them() -> None:
    decisions = Decisions.of(run("x"))
    seen: list[Decisions | None] = []

    async def elsewhere() -> None:
        await asyncio.sleep(0)
        seen.append(pinned_decisions())

    other = asyncio.ensure_future(elsewhere())  # a task started before: its own context
    with pinned(decisions):
        await asyncio.sleep(0.01)
        assert pinned_decisions() is decisions
    await other
    assert seen == [None] and pinned_decisions() is None
    with pinned(None):
        assert pinned_decisions() is None
