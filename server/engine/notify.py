"""Wake-ups for readers tailing a response's event log in this process.

Readers on other replicas poll the database instead; both read the same log, so a local wake-up only
shortens the wait, it never carries data.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict


class EventNotifier:
    """Per-response wake-ups: ``notify`` after appending events, ``wait`` to sleep until then (or a timeout)."""

    def __init__(self) -> None:
        self._waiters: defaultdict[str, set[asyncio.Event]] = defaultdict(set)

    def notify(self, response_id: str) -> None:
        for event in self._waiters.pop(response_id, ()):
            event.set()

    async def wait(self, response_id: str, seconds: float) -> None:
        event = asyncio.Event()
        self._waiters[response_id].add(event)
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            pass
        finally:
            waiters = self._waiters.get(response_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    self._waiters.pop(response_id, None)
