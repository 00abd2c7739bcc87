"""``CommandError``: a failure the user can fix, told in one line."""

from __future__ import annotations

from collections.abc import Sequence


class CommandError(Exception):
    """Printed as ``openai-emulator: <message>`` and exit ``code``; never a traceback."""

    def __init__(self, message: str, *, code: int = 1) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())  # one line, whatever the source library wrote
        self.code = code


def first_problem(problems: Sequence[str], *, hint: str = "") -> str:
    """The first of several problems, and how many more there are (the whole list is one command away)."""
    if not problems:
        return "unknown problem"
    more = len(problems) - 1
    return problems[0] + (f" (and {more} more problem{'s' if more > 1 else ''}{hint})" if more else "")
