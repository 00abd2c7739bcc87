"""``openai-emulator``: the command line."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version as package_version
from typing import Any

from server.config import DEFAULT_PORT, Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "host": args.host,
            "port": args.port,
            "database_url": args.database_url,
            "data_dir": args.data_dir,
            "log_level": args.log_level,
            "strict_models": True if args.strict_models else None,
            "seed": args.seed,
        }.items()
        if value is not None
    }
    settings = Settings(**overrides)
    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openai-emulator",
        description="Offline, deterministic, stateful emulator of the OpenAI Responses API.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="Start the HTTP server.")
    serve.add_argument("--host", help="Interface to listen on (default 127.0.0.1; env OPENAI_EMULATOR_HOST).")
    serve.add_argument("--port", type=int, help=f"Port (default {DEFAULT_PORT}; env OPENAI_EMULATOR_PORT).")
    serve.add_argument(
        "--database-url",
        help="SQLAlchemy URL: sqlite:///file.db, sqlite:// (in memory) or postgresql://user@host/db "
        "(default: SQLite file in the data directory; env OPENAI_EMULATOR_DATABASE_URL).",
    )
    serve.add_argument("--data-dir", help="Directory of the default SQLite file (env OPENAI_EMULATOR_DATA_DIR).")
    serve.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        help="Log level (default info).",
    )
    serve.add_argument(
        "--strict-models", action="store_true", help="Unknown model names get the real 404 model_not_found."
    )
    serve.add_argument("--seed", type=int, help="Seed for reproducible ids.")
    serve.set_defaults(handler=_serve)
    version = commands.add_parser("version", help="Print the version.")
    version.set_defaults(handler=lambda _args: print(package_version("openai-emulator")) or 0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
