"""``openai-emulator serve``: check everything that can stop start-up, then run uvicorn.

The checks run before uvicorn, in the order a user fixes them (settings, scenario and prompt files, the
port, the database), so each failure is one line naming the problem instead of a traceback from inside the
ASGI lifespan. The socket is bound here and handed to uvicorn, so "port taken" is reported by us, and the
port cannot be taken between the check and the start. With ``--workers N`` the checks run once, in the parent,
which then forks the workers and supervises them (``server.commands.workers``).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING

from server.commands.errors import CommandError, first_problem
from server.commands.flags import settings_from_args
from server.commands.workers import check_workers, end_orphans_before_fork, serve_workers
from server.config import Settings
from server.gc_tuning import tune_for_serving

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

log = logging.getLogger("openai_emulator")


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on ``host:port`` (``port`` 0 picks a free one); ``CommandError`` if taken."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CommandError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from None
    sock = socket.socket(family, kind, proto)
    # As uvicorn does: a restart may reuse the port while old connections linger in TIME_WAIT (this never
    # lets two live servers share a port on Linux).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = (exc.strerror or str(exc)).lower()
        raise CommandError(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def check_database(url: str) -> None:
    """Open the store once (creating tables) and close it, so an unreachable database is one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.sql import open_store

    try:
        store = open_store(url)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        detail = str(getattr(exc, "orig", None) or exc) or type(exc).__name__
        raise CommandError(f"cannot open the database {redacted_url(url)}: {detail}") from None
    store.close_connections()
    store.engine.dispose()


def redacted_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"


def build_app_or_fail(settings: Settings) -> FastAPI:
    """``create_app``, turning a bad scenario or prompt file or a bad backend route into one line."""
    from server.app import create_app

    try:
        # With several workers the parent ends what a previous run left in flight, once (server.commands.workers).
        return create_app(settings, end_orphans=settings.workers == 1)
    except ValueError as exc:
        problems = getattr(exc, "problems", None)
        if problems:
            kind = type(exc).__name__.removesuffix("LoadError").lower() or "configuration"
            hint = ": openai-emulator scenarios validate lists them" if kind == "scenario" else ""
            raise CommandError(f"bad {kind} file: {first_problem(problems, hint=hint)}") from None
        raise CommandError(f"invalid configuration: {exc}", code=2) from None


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.http_protocol import CorkedHttpToolsProtocol
    from server.logs import logging_config

    settings = settings_from_args(args)
    check_workers(settings)
    app = build_app_or_fail(settings)
    tune_for_serving()
    sock = bind_socket(settings.host, settings.port)
    try:
        check_database(settings.resolved_database_url())
        config = uvicorn.Config(
            app,
            log_config=logging_config(settings.log_level, settings.log_format),
            log_level=settings.log_level,
            access_log=False,  # our own request line replaces it (server.api.observability)
            http=CorkedHttpToolsProtocol,  # one socket write per response (server.http_protocol)
            # Nothing here reads the client's address, so X-Forwarded-* need not be parsed on every request
            # (uvicorn's proxy-headers layer was ~1.5% of a create's profile).
            proxy_headers=False,
        )
        host, port = sock.getsockname()[:2]
        log.info("listening", extra={"url": f"http://{_url_host(host)}:{port}"})
        server_class = _graceful_server_class()
        if settings.workers == 1:
            server_class(config).run(sockets=[sock])
            return 0
        end_orphans_before_fork(settings.resolved_database_url())
        return serve_workers(
            sock, settings.workers, config.backlog, lambda each: server_class(config).run(sockets=[each])
        )
    finally:
        sock.close()


def _graceful_server_class() -> type[uvicorn.Server]:
    import uvicorn

    class GracefulServer(uvicorn.Server):
        """uvicorn re-raises the signal that stopped it once it has shut down, so a SIGTERM'd server dies of
        it (exit -15, or 143 in a shell) although it drained its connections and background jobs cleanly.
        A complete graceful shutdown exits 0 instead, which supervisors and CI read as success."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                # Emptied before the parent's block ends: that is where it re-raises what it captured.
                self._captured_signals.clear()

    return GracefulServer


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
