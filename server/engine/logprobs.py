"""Deterministic log probabilities for output tokens (``include: message.output_text.logprobs``, ``top_logprobs``).

The same token always gets the same logprob (from a hash), its alternatives rank below it, and the values are
plausible (between about -2 and 0). Stream events carry ``{token, logprob, top_logprobs: [{token, logprob}]}``;
the finished output text part carries the same with ``bytes``, as the SDK types them.
"""

from __future__ import annotations

import hashlib
from typing import Any

_SUFFIXES = (
    "s",
    "ed",
    "ing",
    "er",
    "ly",
    "'s",
    "es",
    "al",
    "ion",
    "ity",
    "ive",
    "ous",
    "ful",
    "less",
    "ness",
    "ment",
    "able",
    "ic",
    "ish",
    "en",
)


def _logprob(token: str, salt: str = "") -> float:
    digest = hashlib.sha256(f"{salt}\x00{token}".encode()).digest()
    return -round(int.from_bytes(digest[:4], "big") % 2000 / 1000, 4) - 0.0001


def _alternatives(token: str, count: int) -> list[tuple[str, float]]:
    chosen = _logprob(token)
    stem = token.rstrip()
    alternatives = [(token, chosen)]
    for n, suffix in enumerate(_SUFFIXES[: max(count - 1, 0)]):
        alternatives.append((stem + suffix, round(chosen - 0.5 - n * 0.37 - abs(_logprob(token, suffix)), 4)))
    return alternatives[:count]


def token_logprobs(token: str, top: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The logprob of one streamed token, as a delta event carries it and as the output part keeps it."""
    chosen = _logprob(token)
    alternatives = _alternatives(token, top) if top else []
    event = {
        "token": token,
        "logprob": chosen,
        "top_logprobs": [{"token": t, "logprob": lp} for t, lp in alternatives],
    }
    part = {
        "token": token,
        "bytes": list(token.encode()),
        "logprob": chosen,
        "top_logprobs": [{"token": t, "bytes": list(t.encode()), "logprob": lp} for t, lp in alternatives],
    }
    return event, part
