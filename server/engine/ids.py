"""Injectable sources of identity and time, so a seed makes every id reproducible and tests never sleep.

Real ids look like ``resp_058d81c1884c3b50006a91e2b58db887d0bcfa4d1b65e9bdeb``: a prefix and 50 hex digits,
and the items of one response share its first 25 hex digits (REFERENCE §C.1). ``IdFactory.for_response``
keeps that family resemblance.

Unseeded ids are laid out the way the real ones appear to be: 16 hex digits of a stem, ``00``, the Unix time
in 8 hex digits (``6a91e2b5`` above is a second of September 2026, and the item ``msg_…6a91e2b6…`` of that
response has the next second), then 24 more. Here the stem is 10 digits drawn once per process and a
6-digit counter, so that one server's ids sort in the order it made them, and the 25 digits a response shares
with its items are still its own (``references`` relies on that). The order is not for looks: SQLite keeps
every id column in a B-tree, and random ids put each insert on a random page, so a commit wrote one page per
id per index (five for a create). In order, the inserts of a commit share the last page of each index: the
SQLite work of a create went from ~160 to ~50 us in a micro-benchmark (issue 8). Seeded factories keep
wholly random digits from their seed, as the same seed must give the same ids whenever it runs.
"""

from __future__ import annotations

import itertools
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
_PROCESS_STEM_LEN = 10
_COUNTER_MODULUS = 16**6  # wraps after 16,777,216 ids: later ids then sort from a new point, still in order
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
        self._stem = "" if self._seeded else self._draw_stem()  # (a seed's sequence must stay as it was)
        self._counter = itertools.count()  # next() is one C call, atomic under the GIL
        self._second, self._second_hex = -1, ""
        if not self._seeded:
            _UNSEEDED.add(self)

    def reseed(self) -> None:
        """Draw fresh seeds from the OS (after a fork: parent and child must not share a sequence)."""
        if not self._seeded:
            self._random.seed(secrets.randbits(128))
            self._text_random.seed(secrets.randbits(64))
            self._stem = self._draw_stem()  # a stem of its own: its ids sort apart from its parent's

    def _draw_stem(self) -> str:
        return f"{self._random.getrandbits(_PROCESS_STEM_LEN * 4):0{_PROCESS_STEM_LEN}x}"

    def hex(self, length: int) -> str:
        if not self._seeded:  # getrandbits is one C call, atomic under the GIL
            return f"{self._random.getrandbits(length * 4):0{length}x}"
        with self._lock:
            return f"{self._random.getrandbits(length * 4):0{length}x}"

    def ordered(self) -> str:
        """50 hex digits; unseeded, in the layout of the module docstring, later ones sorting after earlier
        ones of this factory; seeded, random from the seed."""
        if self._seeded:
            return self.hex(_HEX_LEN)
        count = next(self._counter) % _COUNTER_MODULUS
        second = int(time.time())
        if second != self._second:  # formatted once a second rather than for every id
            self._second, self._second_hex = second, f"{second & 0xFFFFFFFF:08x}"
        # randbytes().hex() writes the 24 random digits in about half the time of formatting a 96-bit int.
        return f"{self._stem}{count:06x}00{self._second_hex}{self._random.randbytes(12).hex()}"

    def family_tail(self) -> str:
        """The 25 hex digits that follow a family's shared stem in each of its ids."""
        if self._seeded:
            return self.hex(_HEX_LEN - _SHARED_LEN)
        return self.ordered()[_SHARED_LEN:]

    def new(self, prefix: str) -> str:
        """A fresh id with no family, e.g. ``conv_…``, ``req_…`` (32 random hex for request ids, which no
        index holds)."""
        return f"{prefix}_{self.hex(32) if prefix == 'req' else self.ordered()}"

    def for_response(self, response_id: str | None = None) -> ResponseIds:
        """Ids of a new response, or of an existing one (a background run rebuilt on another server)."""
        if response_id is None:
            if self._seeded:  # drawn as before the ordered layout, so that a seed's ids stay what they were
                return ResponseIds(self, self.hex(_SHARED_LEN))
            first = self.ordered()
            return ResponseIds(self, first[:_SHARED_LEN], response_id=f"resp_{first}")
        return ResponseIds(self, response_id.removeprefix("resp_")[:_SHARED_LEN], response_id=response_id)

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

    def __init__(self, factory: IdFactory, stem: str, *, response_id: str | None = None) -> None:
        self._factory = factory
        self._stem = stem
        self.response_id = response_id if response_id is not None else self.item("resp")

    def item(self, prefix: str) -> str:
        """An id of this response's family: its first 25 hex digits (which sort in the order the responses
        were made), then 25 more."""
        return f"{prefix}_{self._stem}{self._factory.family_tail()}"


class ManualClock:
    """A clock that moves only when told: tests of time-based behaviour (rate limits, expiry) never sleep."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds
