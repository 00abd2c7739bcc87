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


RECORD_PORT = 7172


def _record(args: argparse.Namespace) -> int:
    import logging
    import os
    from pathlib import Path

    import uvicorn

    from server.recording import RecorderConfig, create_recorder_app

    log_level = args.log_level or "info"
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s:     %(message)s")
    config = RecorderConfig(
        upstream=args.upstream,
        out_dir=Path(args.out),
        upstream_api_key=args.upstream_api_key or os.environ.get("OPENAI_EMULATOR_UPSTREAM_API_KEY") or None,
    )
    # No server/date headers of our own: the upstream's pass through instead.
    uvicorn.run(
        create_recorder_app(config),
        host=args.host,
        port=args.port,
        log_level=log_level,
        server_header=False,
        date_header=False,
    )
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
    record = commands.add_parser(
        "record",
        help="Proxy to an upstream API and record its answers as scenario files.",
        description="Forward /v1/... to an upstream OpenAI-compatible API and write every POST /v1/responses "
        "exchange into scenario files that the emulator replays offline.",
    )
    record.add_argument("--upstream", required=True, help="Upstream base URL, e.g. https://api.openai.com/v1.")
    record.add_argument("--out", required=True, help="Directory for the recorded scenario files (created).")
    record.add_argument("--host", default="127.0.0.1", help="Interface to listen on (default 127.0.0.1).")
    record.add_argument("--port", type=int, default=RECORD_PORT, help=f"Port (default {RECORD_PORT}).")
    record.add_argument(
        "--upstream-api-key",
        help="Key sent upstream instead of the client's (env OPENAI_EMULATOR_UPSTREAM_API_KEY). Never recorded.",
    )
    record.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        help="Log level (default info).",
    )
    record.set_defaults(handler=_record)
    version = commands.add_parser("version", help="Print the version.")
    version.set_defaults(handler=lambda _args: print(package_version("openai-emulator")) or 0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
