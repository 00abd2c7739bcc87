"""The garbage collector's settings for a serving process.

A create allocates a few thousand container objects (the events, their payloads, the fold) that die young,
almost all freed by reference counting. With CPython's default thresholds (700, 10, 10) the collector still
ran about once every four creates, and every tenth-of-a-tenth pass was a full collection over every object the
process holds: the app, SQLAlchemy, pydantic, the chain cache. Measured in-process on the benchmark machine
(issue 8): 72 us of a 330 us create went to the collector; with the settings below, 13 us.
"""

from __future__ import annotations

import asyncio
import gc

# Young collections every 10,000 net container allocations instead of 700: garbage cycles wait a little
# longer (a few MiB at most), and each pass still finds the same few.
YOUNG_THRESHOLD = 10_000

# How often ``collect_young_garbage`` runs a young pass. A request frees what it allocates by reference
# counting, so under load the net count that triggers a pass grows only by the cycles the periodic
# maintenance leaves: the heartbeat, takeover and expiry loops build SQLAlchemy statements, which are
# cyclic (an expression and its comparator refer to each other), ~44 objects a second. Alone they took
# minutes to reach the threshold above: in process, the tracked objects went from ~1,750 to ~3,800 over
# 160,000 creates without this pass, and stay at ~1,750 with it (issue 8). A pass over the few thousand young
# objects takes ~0.1 ms.
YOUNG_PASS_SECONDS = 1.0


def tune_for_serving() -> None:
    """Call once the app is built, before serving (and before any fork): what start-up built is kept for the
    life of the process, so it is moved out of the collector's sight, and young passes run less often.

    The collector is turned on here whether or not it was off (``server.cli`` turns it off for start-up).
    There is no full collection first: start-up leaves ~900 garbage objects (~0.1 MiB) among ~200,000, and
    finding them took ~100 ms of a start-up of ~1.4 s on the benchmark machine (issue 8); frozen, they stay.
    """
    gc.freeze()  # start-up's objects are never garbage; forked workers also keep sharing their pages
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    gc.enable()


async def collect_young_garbage(interval: float = YOUNG_PASS_SECONDS) -> None:
    """Run a young collection every ``interval`` seconds, forever (cancel the task to stop it): the garbage
    cycles of periodic work are freed within a second instead of after minutes (see ``YOUNG_PASS_SECONDS``)."""
    while True:
        await asyncio.sleep(interval)
        gc.collect(0)
