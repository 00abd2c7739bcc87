"""The "Did you mean …?" suffix of ``Unknown parameter`` errors (REFERENCE §B.2, observed rules).

* candidates are known keys within Levenshtein distance 2 of the unknown key;
* a known key the body already carries is never suggested (``inpu`` with ``input`` present → no hint);
* nearer candidates first, ties in the order the known keys are declared [tie order inferred];
* one candidate → ``Did you mean 'store'?``, two → ``Did you mean 'stream' or 'store'?``.

Keys whose length differs by more than 2 cannot be within distance 2, so they are never measured: an unknown
key of a megabyte costs a length comparison per known key, not a megabyte-squared edit matrix.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

from server.protocol.wording import listing

MAX_DISTANCE = 2


def levenshtein(a: str, b: str, limit: int = MAX_DISTANCE) -> int:
    """Edit distance (insert/delete/substitute), giving up early once every path exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def suggestions(key: str, known: Sequence[str], present: Container[str]) -> list[str]:
    """Known keys the unknown ``key`` is probably a misspelling of, nearest first."""
    found: list[tuple[int, int, str]] = []
    for order, candidate in enumerate(known):
        if candidate in present or abs(len(candidate) - len(key)) > MAX_DISTANCE:
            continue
        distance = levenshtein(key, candidate)
        if distance <= MAX_DISTANCE:
            found.append((distance, order, candidate))
    found.sort()
    return [candidate for _, _, candidate in found]


def did_you_mean(key: str, known: Sequence[str], present: Container[str]) -> str:
    """`` Did you mean 'x'?`` (with its leading space), or ``""`` when nothing is close."""
    names = suggestions(key, known, present)
    if not names:
        return ""
    return f" Did you mean {listing(names, 'or')}?"
