"""Injectable sources of identity and time, so a seed makes every id reproducible and tests never sleep.

Real ids look like ``resp_058d81c1884c3b50006a91e2b58db887d0bcfa4d1b65e9bdeb``: a prefix and 50 hex digits,
and the items of one response share its first 25 hex digits (REFERENCE §C.1). ``IdFactory.for_response``
keeps that family resemblance.
"""

from __future__ import annotations

import random
import secrets
import string
import threading
import time
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
    """Makes ids. Seeded, the same sequence of calls gives the same ids; unseeded, they are random."""

    def __init__(self, seed: int | None = None) -> None:
        self._random: random.Random | None = random.Random(seed) if seed is not None else None
        # Padding and opaque tokens need variety, not secrecy: a fast PRNG seeded once from the OS.
        self._text_random = self._random or random.Random(secrets.randbits(64))
        self._lock = threading.Lock()

    def hex(self, length: int) -> str:
        if self._random is None:
            return secrets.token_hex((length + 1) // 2)[:length]
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
