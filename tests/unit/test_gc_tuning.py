"""The serving process's garbage collector settings (server.gc_tuning)."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from server.gc_tuning import collect_young_garbage


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def no_automatic_collections() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.collect()
    gc.set_threshold(10**9, thresholds[1], thresholds[2])  # only an explicit pass can free a cycle now
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@pytest.mark.anyio
@pytest.mark.usefixtures("no_automatic_collections")
async def test_young_passes_free_garbage_cycles_the_threshold_never_reaches() -> None:
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second
    await asyncio.sleep(0.05)
    assert gone() is not None  # a cycle: reference counting alone does not free it

    task = asyncio.create_task(collect_young_garbage(interval=0.01))
    try:
        for _ in range(100):
            await asyncio.sleep(0.01)
            if gone() is None:
                break
    finally:
        task.cancel()
    assert gone() is None
