"""``openai-emulator state export FILE`` / ``state import FILE``: the whole store as one JSON Lines file.

``-`` is standard output (export) or input (import). The database is chosen as for ``serve``
(``--database-url``, ``--data-dir`` or their environment variables), so the commands run beside a server or
without one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from server.commands.errors import CommandError
from server.commands.flags import settings_from_args
from server.commands.serve import redacted_url

if TYPE_CHECKING:
    from storage.sql import SqlStore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="The state file (JSON Lines); '-' for standard output/input.")
    parser.add_argument(
        "--database-url",
        dest="database_url",
        default=argparse.SUPPRESS,
        help="SQLAlchemy URL of the store, as for serve (env OPENAI_EMULATOR_DATABASE_URL).",
    )
    parser.add_argument(
        "--data-dir",
        dest="data_dir",
        default=argparse.SUPPRESS,
        help="Directory of the default SQLite file, as for serve (env OPENAI_EMULATOR_DATA_DIR).",
    )


def _open(args: argparse.Namespace) -> SqlStore:
    from sqlalchemy.exc import SQLAlchemyError

    from storage.sql import open_store

    url = settings_from_args(args).resolved_database_url()
    try:
        return open_store(url)
    except (SQLAlchemyError, OSError, ValueError) as exc:
        detail = str(getattr(exc, "orig", None) or exc) or type(exc).__name__
        raise CommandError(f"cannot open the database {redacted_url(url)}: {detail}") from None


def export_command(args: argparse.Namespace) -> int:
    from storage.sql_dump import export_state

    store = _open(args)
    try:
        if args.file == "-":
            counts = export_state(store.engine, sys.stdout)
        else:
            path = Path(args.file)
            try:
                with path.open("w", encoding="utf-8") as out:
                    counts = export_state(store.engine, out)
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        store.close_connections()
        store.engine.dispose()
    listed = ", ".join(f"{name} {n}" for name, n in counts.items() if n) or "an empty store"
    print(f"exported {listed}", file=sys.stderr)
    return 0


def import_command(args: argparse.Namespace) -> int:
    from storage.sql_dump import StateFileError, import_state

    store = _open(args)
    try:
        if args.file == "-":
            report = import_state(store.engine, sys.stdin)
        else:
            path = Path(args.file)
            try:
                with path.open(encoding="utf-8") as lines:
                    report = import_state(store.engine, lines)
            except OSError as exc:
                raise CommandError(f"cannot read {path}: {exc.strerror}") from None
    except StateFileError as exc:
        raise CommandError(f"{args.file}: {exc}") from None
    finally:
        store.close_connections()
        store.engine.dispose()
    print(report.summary(), file=sys.stderr)
    return 0
