"""``openai-emulator``: the command line."""

from __future__ import annotations

import argparse
import gc
import sys
from typing import NoReturn

# The commands are imported in the functions below, once ``main`` has turned the garbage collector off.


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (the serve usage alone runs to dozens), pointing at --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


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
    from importlib.metadata import version as package_version

    from server.commands import scenarios, state
    from server.commands.flags import add_settings_flags
    from server.commands.serve import serve

    parser = _Parser(
        prog="openai-emulator",
        description="Offline, deterministic, stateful emulator of the OpenAI Responses API.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="Start the HTTP server.")
    add_settings_flags(serve_parser)
    serve_parser.set_defaults(handler=serve)
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
    scenario_commands = commands.add_parser("scenarios", help="Work with scenario files.").add_subparsers(
        dest="scenarios_command", required=True
    )
    validate = scenario_commands.add_parser(
        "validate", help="Check scenario files as start-up does: 'N scenarios OK', or each file:line problem."
    )
    scenarios.add_arguments(validate)
    validate.set_defaults(handler=scenarios.validate_command)
    state_commands = commands.add_parser(
        "state", help="Export or import the whole store (responses, conversations, their items) as JSON Lines."
    ).add_subparsers(dest="state_command", required=True)
    export = state_commands.add_parser("export", help="Write the store to FILE.")
    state.add_arguments(export)
    export.set_defaults(handler=state.export_command)
    import_ = state_commands.add_parser("import", help="Add FILE's rows to the store; rows already there are kept.")
    state.add_arguments(import_)
    import_.set_defaults(handler=state.import_command)
    version = commands.add_parser("version", help="Print the version.")
    version.set_defaults(handler=lambda _args: print(package_version("openai-emulator")) or 0)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Start-up builds ~200,000 objects (the SDK's types, FastAPI, SQLAlchemy), almost none of them garbage, and
    # the collector kept walking them all while they were built: ~70 ms of a start-up of ~1.4 s on the
    # benchmark machine (issue 8). ``serve`` turns it back on once the app is built
    # (server.gc_tuning.tune_for_serving), every other command before it runs.
    gc.disable()
    try:
        from server.commands import CommandError
        from server.commands.serve import serve

        args = build_parser().parse_args(argv)
        if args.handler is not serve:
            gc.enable()
        try:
            result: int = args.handler(args)
        except CommandError as exc:
            print(f"openai-emulator: {exc.message}", file=sys.stderr)
            return exc.code
        except KeyboardInterrupt:
            return 130
        return result
    finally:
        gc.enable()


if __name__ == "__main__":
    sys.exit(main())
