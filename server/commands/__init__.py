"""The subcommands of ``openai-emulator`` (assembled into one parser by ``server.cli``).

Each handler takes the parsed arguments and returns an exit code. A handler that cannot go on raises
``CommandError`` with one line that says why; ``server.cli.main`` prints it and exits non-zero, never with a
traceback.
"""

from __future__ import annotations

from server.commands.errors import CommandError

__all__ = ["CommandError"]
