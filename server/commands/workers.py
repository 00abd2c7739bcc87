"""``serve --workers N``: N forked server processes on one port and one database, supervised by the parent.

The parent does everything that can fail once, before any fork: settings, scenario files, the port, the
database. It then ends what a previous run left in flight (``server.engine.recovery``), since only now does
one process own the SQLite file, binds a listening socket for each worker (so connections queue while the
workers start), and forks. Each worker runs uvicorn on its inherited socket; the app was built before the
fork, but its store is opened in the lifespan, i.e. in each worker, so no database connection crosses a
fork. Later orphans (a worker killed mid-stream) are ended by the siblings' lease takeover
(``server.engine.worker``), as between replicas on PostgreSQL.

The parent only supervises: SIGTERM or SIGINT is passed on to every worker, which drains as a single server
does; the parent exits 0 once all of them exited 0. A worker that dies while the parent is not stopping is
logged and replaced; one that could not start at all (uvicorn's exit code 3) stops the whole server, since
its replacement would fail alike.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

from sqlalchemy.engine import make_url

from server.commands.errors import CommandError
from server.config import Settings

log = logging.getLogger("openai_emulator")

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_STARTUP_FAILURE = 3  # uvicorn's exit code when the lifespan start-up failed
# A worker that dies younger than this is replaced only after a pause, so a crash loop does not spin.
_MIN_LIFETIME_S = 1.0
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def check_workers(settings: Settings) -> None:
    """The settings that cannot work with several workers, as one ``CommandError`` (exit 2)."""
    if settings.workers == 1:
        return
    if settings.seed is not None:
        raise CommandError(
            "invalid configuration: --seed cannot be used with --workers above 1 "
            "(every worker would make the same ids)",
            code=2,
        )
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise CommandError(
            "invalid configuration: --workers above 1 needs a database file or PostgreSQL "
            "(an in-memory SQLite database would be private to each worker)",
            code=2,
        )


def end_orphans_before_fork(database_url: str) -> None:
    """Run the start-up sweep of ``server.engine.recovery`` here, once, instead of in every worker."""
    from server.engine.ids import IdFactory
    from server.engine.recovery import end_orphaned_streams
    from storage.sql import open_store

    async def sweep() -> None:
        store = open_store(database_url)
        try:
            await end_orphaned_streams(store, IdFactory())
        finally:
            await store.close()

    asyncio.run(sweep())
    # The sweep ran statements in worker threads, which are told to stop but not joined. Fork only a
    # single-threaded process: a lock some other thread held at the fork would stay held in the child.
    for thread in threading.enumerate():
        if thread is not threading.main_thread():
            thread.join(timeout=5)


def serve_workers(sock: socket.socket, count: int, backlog: int, serve_on: Callable[[socket.socket], None]) -> int:
    """Run ``count`` workers on the address ``sock`` is bound to until they are stopped; the exit code."""
    sockets = _worker_sockets(sock, count)
    try:
        for each in sockets:
            each.listen(backlog)  # connections queue from now on, while the workers start
        return Supervisor(count, lambda number: serve_on(sockets[number - 1])).run()
    finally:
        for each in sockets:
            each.close()


def _worker_sockets(sock: socket.socket, count: int) -> list[socket.socket]:
    """One listening socket per worker, all on ``sock``'s address (SO_REUSEPORT), on Linux; elsewhere ``sock``
    shared by all.

    On one shared socket, the first worker to wake takes every connection waiting (asyncio accepts in a loop):
    16 keep-alive connections opened together (wrk) mostly went to one of two workers, which then did 94% of the
    work. With a socket each, the kernel spreads new connections over the workers by a hash of the addresses.
    A worker's socket stays open in the parent while the worker is replaced: its connections wait, not refused.
    """
    if sys.platform != "linux" or not hasattr(socket, "SO_REUSEPORT"):
        return [sock] * count
    address = sock.getsockname()
    # ``sock`` proved the port free (and picked it, for port 0); it had no SO_REUSEPORT, so that a server
    # already on the port with SO_REUSEPORT is found out too. Its place is taken at once.
    sock.close()
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            each = socket.socket(sock.family, sock.type, sock.proto)
            sockets.append(each)
            each.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            each.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            each.bind(address)
            each.set_inheritable(True)
    except OSError as exc:
        for each in sockets:
            each.close()
        reason = (exc.strerror or str(exc)).lower()
        raise CommandError(f"cannot listen on {address[0]}:{address[1]}: {reason}") from None
    return sockets


class Supervisor:
    """Forks ``count`` workers, numbered from 1, each running ``serve_one(number)`` (which returns when its
    server has stopped), and keeps them running until told to stop."""

    def __init__(self, count: int, serve_one: Callable[[int], None]) -> None:
        self._count = count
        self._serve_one = serve_one
        self._children: dict[int, tuple[int, float]] = {}  # pid -> worker number, when it was forked
        self._stopping = False
        self._pid = os.getpid()

    def run(self) -> int:
        """Supervise until every worker has exited; 0 when all of them stopped cleanly."""
        previous = {sig: signal.signal(sig, self._stop) for sig in _STOP_SIGNALS}
        # Objects made before the fork stay put: without this the workers' collectors would touch (and so
        # copy) every page of them.
        gc.freeze()
        failed = False
        try:
            for number in range(1, self._count + 1):
                self._fork(number)
            while self._children:
                pid, status = os.wait()
                child = self._children.pop(pid, None)
                if child is not None:
                    failed = self._reap(pid, *child, os.waitstatus_to_exitcode(status)) or failed
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 1 if failed else 0

    def _reap(self, pid: int, number: int, forked_at: float, code: int) -> bool:
        """Handle one worker's exit (replace it, or stop the others); True when it counts as a failure."""
        if self._stopping:
            # Killed by the SIGTERM itself: it came before uvicorn took over the signals, with nothing served.
            if code in (0, -signal.SIGTERM):
                return False
            log.error("worker %d (pid %d) stopped with %s", number, pid, _describe(code))
            return True
        if code == _STARTUP_FAILURE:
            log.error("worker %d (pid %d) could not start; stopping the other workers", number, pid)
            self._stop(signal.SIGTERM, None)
            return True
        log.warning("worker %d (pid %d) exited unexpectedly (%s); starting another", number, pid, _describe(code))
        if time.monotonic() - forked_at < _MIN_LIFETIME_S:
            time.sleep(_MIN_LIFETIME_S)  # a stop signal still lands: its handler runs, the sleep goes on
        if not self._stopping:
            self._fork(number)
        return False

    def _fork(self, number: int) -> None:
        # Stop signals are held while forking: one arriving between the fork and the bookkeeping would not
        # reach the new worker, and the worker must not run the parent's handler before it installs its own.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                self._worker(number)
            self._children[pid] = (number, time.monotonic())
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True
        # Always SIGTERM: after Ctrl-C the terminal already sent SIGINT to every worker, and uvicorn takes a
        # second SIGINT as "force exit" (dropping connections), while any repeat of SIGTERM is harmless.
        for pid in list(self._children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _worker(self, number: int) -> NoReturn:
        """The child's side of the fork: serve, then exit without ever returning into the parent's code."""
        code = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
            _die_with_parent(self._pid)
            self._serve_one(number)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except KeyboardInterrupt:
            code = 0  # Ctrl-C before uvicorn took over the signals: nothing was served yet
        except BaseException:
            log.exception("worker crashed")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def _die_with_parent(parent: int) -> None:
    """Linux: have the kernel send this worker SIGTERM when the parent dies, even of SIGKILL, so that no
    orphaned worker keeps serving the port."""
    if sys.platform != "linux":
        return
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGTERM))
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)


def _describe(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"
