"""The context of a ``previous_response_id`` chain, kept per chain tip so that it is not rebuilt every request.

A chain's history (the input and output items of each response in it, oldest first) never changes once its
last response has finished. Rebuilding it on every request (read every item of the chain, decode it, count
its tokens, open compaction blocks, count turns, check tool-call pairing) made a create at depth 1,000 cost
26x one at depth 1 (issue 8). So ``ChainCache`` keeps, per finished response, its chain's history as
entries with their costs, and the turn and tool-call states at its end; a request continuing the chain adds
only its own items on top. A miss on a response whose parent is cached reads just that response's own items;
otherwise the whole chain in one query (``ResponseRepo.chain_items``).

Bounded by the items its contexts hold (least recently used out first), so memory stays flat however deep
chains grow. Per process: replicas each fill their own;
nothing in it can go stale, as it holds only finished responses, and a deleted or unknown previous response
is refused before its entry is looked at. The items are shared between requests and must not be mutated
(the engine copies what it changes).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from server.engine.compaction import Compactor, Entry, flatten
from server.engine.context import Pairing, Turns
from server.errors import InvalidRequestError
from server.metrics import set_chain_cache_items
from storage.base import ResponseRecord, ResponseRepo

JSONObject = dict[str, Any]

_FINISHED = frozenset({"completed", "incomplete", "failed", "cancelled"})
# Items held by all kept contexts, counted per context (a tip shares its items with its parent's, so this
# overcounts: the real bound on memory is lower). 20,000 items are ten chains 1,000 responses deep, or a
# few hundred ordinary conversations' worth; a soak whose chains kept growing showed memory following the
# chains' depth when only the number of tips was bounded.
DEFAULT_MAX_ITEMS = 20_000


def has_compaction(items: Sequence[JSONObject]) -> bool:
    """Whether any item is a compaction item (which may absorb what comes before it)."""
    return any(item.get("type") == "compaction" for item in items)


@dataclass(frozen=True, slots=True)
class ChainContext:
    """A chain's history as the model sees it, and the states a request continues from.

    ``pairing`` is None when the history itself breaks tool-call pairing: a request continuing it gets the
    error from a check over its whole context, as before.
    """

    items: tuple[JSONObject, ...]
    entries: tuple[Entry, ...]
    cost: int
    turns: Turns
    pairing: Pairing | None
    flat: tuple[JSONObject, ...] = ()  # ``flatten(entries)``: the model's items, kept for the next request

    @classmethod
    def build(cls, compactor: Compactor, items: Sequence[JSONObject]) -> ChainContext:
        entries = compactor.extend((), items, new=False)
        flat = flatten(entries)
        return cls(
            items=tuple(items),
            entries=tuple(entries),
            cost=sum(entry.cost for entry in entries),
            turns=Turns().after(flat),
            pairing=_pairing_after(Pairing(), flat),
            flat=tuple(flat),
        )

    def extended(self, compactor: Compactor, items: Sequence[JSONObject]) -> ChainContext:
        """This history followed by ``items`` (the next response's input and output)."""
        if has_compaction(items):  # may absorb entries of this history: start over
            return ChainContext.build(compactor, (*self.items, *items))
        added = compactor.extend((), items, new=False)
        flat = flatten(added)
        return ChainContext(
            items=(*self.items, *items),
            entries=(*self.entries, *added),
            cost=self.cost + sum(entry.cost for entry in added),
            turns=self.turns.after(flat),
            pairing=_pairing_after(self.pairing, flat) if self.pairing is not None else None,
            flat=(*self.flat, *flat),
        )


def _pairing_after(start: Pairing, items: Sequence[JSONObject]) -> Pairing | None:
    try:
        return start.after(items)
    except InvalidRequestError:
        return None


class ChainCache:
    """``ChainContext`` per (tenant, response id) of finished responses, least recently used first out."""

    def __init__(self, repo: ResponseRepo, compactor: Compactor, *, max_items: int = DEFAULT_MAX_ITEMS) -> None:
        self._repo = repo
        self._compactor = compactor
        self._max_items = max_items
        self._held = 0  # items held, summed over the kept contexts
        self._contexts: OrderedDict[tuple[str, str], ChainContext] = OrderedDict()

    async def context(self, tenant: str, previous: ResponseRecord) -> ChainContext:
        """The history a request continuing ``previous`` builds on: its chain's items and its own."""
        key = (tenant, previous.id)
        found = self._contexts.get(key)
        if found is not None:
            self._contexts.move_to_end(key)
            return found
        before = previous.previous_response_id
        parent = self._contexts.get((tenant, before)) if before is not None else None
        if parent is not None:
            own = await self._repo.context_items(tenant, (previous.id,))
            context = parent.extended(self._compactor, own)
        else:
            items = await self._repo.chain_items(tenant, previous.id)
            context = ChainContext.build(self._compactor, items)
        if previous.status in _FINISHED and len(context.items) <= self._max_items:  # a running one still changes
            self._contexts[key] = context
            self._held += len(context.items)
            while self._held > self._max_items:
                _, dropped = self._contexts.popitem(last=False)
                self._held -= len(dropped.items)
            set_chain_cache_items(self._held)
        return context
