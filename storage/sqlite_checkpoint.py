"""WAL checkpoints of a SQLite file, in a thread of their own instead of inside a request's commit.

By default the commit that takes the write-ahead log past 1,000 pages copies it back into the database file
and syncs both: a pause of milliseconds on whatever request commits then, on the event loop (SQLite's
per-request writes run there: ``storage.sqlite_direct``). Measured on the benchmark machine, one response's
insert cost 94 us with automatic checkpoints and 63 us without. So every connection of the engine has
``wal_autocheckpoint=0`` and ``WalCheckpointer`` runs a PASSIVE checkpoint twice a second: it never waits for
readers or writers (it copies what it can and leaves the rest for the next round), and the sqlite3 module
releases the GIL while SQLite works, so the event loop keeps running. Durability is unchanged: a committed
transaction is in the WAL either way.

PASSIVE alone is not enough: under a steady stream of commits the log is never entirely copied when the next
writer starts, so the WAL never starts over and grows without end (measured: 123 MB after 10,000 creates, and
the process's memory with it). So once the log holds more than ``RESTART_FRAMES`` frames (SQLite's own
threshold), a RESTART checkpoint follows: it waits for the writers of the moment (this process's run in a
thread meanwhile, see ``storage.sqlite_direct``), copies the little PASSIVE left, and makes the next writer
start the log over.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine

logger = logging.getLogger(__name__)

INTERVAL_S = 0.5
RESTART_FRAMES = 1000


class WalCheckpointer:
    """A daemon thread checkpointing ``engine``'s WAL every ``interval`` seconds until ``stop``."""

    def __init__(self, engine: Engine, *, interval: float = INTERVAL_S) -> None:
        self._engine = engine
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after a last checkpoint (so a closed database leaves a short WAL behind)."""
        if self._thread.is_alive():
            self._stopping.set()
            self._thread.join(timeout=10)

    def _run(self) -> None:
        fairy: Any = self._engine.raw_connection()
        try:
            connection: sqlite3.Connection = fairy.driver_connection
            while not self._stopping.wait(self._interval):
                self._checkpoint(connection)
            self._checkpoint(connection)
        finally:
            fairy.close()

    @staticmethod
    def _checkpoint(connection: sqlite3.Connection) -> None:
        try:
            _, frames, _ = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames >= RESTART_FRAMES:
                connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        except sqlite3.Error:  # e.g. the file went away under a test; the next round tries again
            logger.warning("sqlite WAL checkpoint failed", exc_info=True)
