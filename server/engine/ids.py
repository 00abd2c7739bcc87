"""Injectable sources of identity and time, so a seed makes every id reproducible and tests never sleep.

Real ids look like ``resp_058d81c1884c3b50006a91e2b58db887d0bcfa4d1b65e9bdeb``: a prefix and 50 hex digits,
and the items of one response share its first 25 hex digits (REFERENCE §C.1). ``IdFactory.for_response``
keeps that family resemblance.
"""

from __future__ import annotations

import os
import random
import secrets
import string
import threading
import time
import weakref
from typing import Protocol

_HEX_LEN = 50
_SHARED_LEN = 25
_ALNUM = string.ascii_letters + string.digits


class Clock(Protocol):
    """Seconds since the epoch."""

    def now(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class IdFactory:
    """Makes ids. Seeded, the same sequence of calls gives the same ids; unseeded, they are random.

    Unseeded ids come from a fast PRNG seeded from the OS, not from ``secrets``: an id is a name, not a
    credential (another tenant's id is a 404 whatever it guesses), and the OS call per id was ~7% of a create
    (issue 8's profile). Every process reseeds after a fork, so ``serve --workers N`` never repeats an id.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seeded = seed is not None
        self._random = random.Random(seed) if seed is not None else random.Random(secrets.randbits(128))
        # Padding and opaque tokens need variety, not secrecy.
        self._text_random = self._random if seed is not None else random.Random(secrets.randbits(64))
        self._lock = threading.Lock()
        if not self._seeded:
            _UNSEEDED.add(self)

    def reseed(self) -> None:
        """Draw fresh seeds from the OS (after a fork: parent and child must not share a sequence)."""
        if not self._seeded:
            self._random.seed(secrets.randbits(128))
            self._text_random.seed(secrets.randbits(64))

    def hex(self, length: int) -> str:
        if not self._seeded:  # getrandbits is one C call, atomic under the GIL
            return f"{self._random.getrandbits(length * 4):0{length}x}"
        with self._lock:
            return f"{self._random.getrandbits(length * 4):0{length}x}"

    def new(self, prefix: str) -> str:
        """A fresh id with no family, e.g. ``conv_…``, ``req_…`` (32 hex for request ids)."""
        return f"{prefix}_{self.hex(32 if prefix == 'req' else _HEX_LEN)}"

    def for_response(self, response_id: str | None = None) -> ResponseIds:
        """Ids of a new response, or of an existing one (a background run rebuilt on another server)."""
        if response_id is None:
            return ResponseIds(self, self.hex(_SHARED_LEN))
        ids = ResponseIds(self, response_id.removeprefix("resp_")[:_SHARED_LEN])
        ids.response_id = response_id
        return ids

    def text(self, length: int) -> str:
        """Random alphanumeric text (obfuscation padding, opaque tokens)."""
        with self._lock:
            return "".join(self._text_random.choices(_ALNUM, k=length))


_UNSEEDED: weakref.WeakSet[IdFactory] = weakref.WeakSet()


def _reseed_after_fork() -> None:
    for factory in list(_UNSEEDED):
        factory.reseed()


os.register_at_fork(after_in_child=_reseed_after_fork)


class ResponseIds:
    """Ids of one response and its items, sharing a common hex stem like the real API's."""

    def __init__(self, factory: IdFactory, stem: str) -> None:
        self._factory = factory
        self._stem = stem
        self.response_id = self.item("resp")

    def item(self, prefix: str) -> str:
        return f"{prefix}_{self._stem}{self._factory.hex(_HEX_LEN - _SHARED_LEN)}"


class ManualClock:
    """A clock that moves only when told: tests of time-based behaviour (rate limits, expiry) never sleep."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds
