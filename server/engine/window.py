"""The context window: what fits, what ``truncation: "auto"`` drops, and when compaction triggers.

**The limit.** Input may use the model's context window minus an allowance kept for the reply: the request's
``max_output_tokens`` when it sets one, otherwise the model's maximum output capped at half the window (so
that small windows still leave room for input). For gpt-5 (400,000 window, 128,000 output) that is the
documented 272,000 input tokens.

**Compaction.** ``context_management: [{"type": "compaction", "compact_threshold": N}]`` replaces the whole
context by one compaction block (``compaction``) when it bills more than N input tokens, before the window
is checked; the response then starts with the ``compaction`` output item.

**Truncation.** ``"disabled"`` (the default) answers an over-long context with the real 400
``context_length_exceeded``. ``"auto"`` drops entries from the start of the context until it fits: the
conversation or chain history first, then the request's own earlier items, but never the last user message
(nor anything after it). Items that only make sense together go together: a tool call and its output (same
``call_id``), and a reasoning item with the item after it. If what must stay does not fit either, the answer
is the same 400.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scenarios.catalogue import ModelInfo
from server.engine.compaction import Entry
from server.errors import InvalidRequestError

JSONObject = dict[str, Any]

CONTEXT_LENGTH_EXCEEDED = "Your input exceeds the context window of this model. Please adjust your input and try again."


class ContextWindowExceeded(InvalidRequestError):
    """The real 400 (REFERENCE §G.2); in a stream it becomes an ``error`` event and ``response.failed``."""

    def __init__(self) -> None:
        super().__init__(CONTEXT_LENGTH_EXCEEDED, param="input", code="context_length_exceeded")


def input_limit(model: ModelInfo, max_output_tokens: int | None) -> int:
    """Input tokens the model accepts for a request with this ``max_output_tokens``."""
    allowance = (
        max_output_tokens if max_output_tokens is not None else min(model.max_output_tokens, model.context_window // 2)
    )
    return max(model.context_window - allowance, 0)


def fit(
    entries: Sequence[Entry], *, base_tokens: int, limit: int, truncation: str | None, cost: int | None = None
) -> tuple[list[Entry], int]:
    """The entries that are kept and the input tokens they bill (``base_tokens`` covers instructions, tools…;
    ``cost``, when known, is the entries' own total)."""
    total = base_tokens + (cost if cost is not None else sum(entry.cost for entry in entries))
    if total <= limit:
        return list(entries), total
    if truncation != "auto":
        raise ContextWindowExceeded()
    protected = _protected_from(entries)
    dropped: set[int] = set()
    for group in _groups(entries):
        if total <= limit:
            break
        if max(group) >= protected:
            continue  # would take the last user message (or what follows it) along
        dropped.update(group)
        total -= sum(entries[i].cost for i in group)
    if total > limit:
        raise ContextWindowExceeded()
    return [entry for i, entry in enumerate(entries) if i not in dropped], total


def _protected_from(entries: Sequence[Entry]) -> int:
    """Index of the first entry that must stay: the last user message, else the new input, else the last."""
    for i in range(len(entries) - 1, -1, -1):
        if entries[i].has_user_message:
            return i
    first_new = next((i for i, entry in enumerate(entries) if entry.new), None)
    return first_new if first_new is not None else max(len(entries) - 1, 0)


def _groups(entries: Sequence[Entry]) -> list[list[int]]:
    """Entries that must be dropped together, ordered by their first entry."""
    parent = list(range(len(entries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        parent[root(b)] = root(a)

    by_call: dict[str, int] = {}
    for i, entry in enumerate(entries):
        for item in entry.items:
            call_id = item.get("call_id")
            if isinstance(call_id, str):
                if call_id in by_call:
                    join(by_call[call_id], i)
                else:
                    by_call[call_id] = i
        # A reasoning item belongs to the item it precedes (the real API refuses one without the other).
        if entry.marker is None and entry.items[-1].get("type") == "reasoning" and i + 1 < len(entries):
            join(i, i + 1)
    groups: dict[int, list[int]] = {}
    for i in range(len(entries)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda group: group[0])


def compaction_threshold(context_management: Sequence[JSONObject] | None, limit: int) -> int | None:
    """Input tokens above which ``context_management: [{"type": "compaction", …}]`` compacts the context.

    ``compact_threshold`` when sent; without it, the window's input limit [inferred: compaction then happens
    exactly where the context would otherwise overflow]. None when compaction was not asked for.
    """
    for entry in context_management or ():
        if entry.get("type") == "compaction":
            threshold = entry.get("compact_threshold")
            return int(threshold) if threshold is not None else limit
    return None
