"""``openai-emulator scenarios validate FILE...``: the checks the server runs at start-up, without starting it."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="FILE", help="Scenario files, or directories of them.")


def validate_command(args: argparse.Namespace) -> int:
    """Exit 0 with ``N scenarios OK``, or print every problem as ``file:line: …`` and exit 1."""
    from scenarios.files import ScenarioLoadError, load_paths, scenario_files
    from scenarios.scripted import Scripts

    paths = [Path(p) for p in args.paths]
    try:
        loaded = load_paths(paths)
        Scripts(loaded)  # what start-up builds from them (compiles every match pattern)
    except ScenarioLoadError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} found")
        return 1
    files = len(scenario_files(paths))
    print(f"{len(loaded)} scenario{'s' if len(loaded) != 1 else ''} OK ({files} file{'s' if files != 1 else ''})")
    return 0
