"""Assembling a request's context: the server-state lookups, then the items the model will see.

In the real API's order (REFERENCE §B.4 step 7): the conversation (404), the prompt (404), the previous
response (400); then the request's own input, with item references resolved and replayed reasoning verified
(``references``). The context is the conversation or chain history, the prompt's input items, then the new
input; compaction items in it are opened into blocks (``compaction``). Fitting the context into the model's
window, and automatic compaction, come afterwards (``window``), once the service knows the model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from server.engine.chain import DEFAULT_MAX_ITEMS, ChainCache, ChainContext, has_compaction
from server.engine.compaction import Compactor, Entry, flatten
from server.engine.context import check_tool_call_pairing, normalize_input, turn_index
from server.engine.ids import ResponseIds
from server.engine.prompts import PromptLibrary
from server.engine.references import ItemResolver
from server.errors import InvalidRequestError, conversation_not_found
from server.protocol.requests import CreateResponseRequest
from storage.base import ResponseRecord, Store
from storage.frozen import checked_frozen

JSONObject = dict[str, Any]


@checked_frozen
class Assembly:
    """A request's context before fitting.

    ``request`` is the request with its prompt applied (instructions when it sent none, and the ``prompt``
    echo with the resolved version). ``new_items`` are what is stored as the response's input items.
    """

    request: CreateResponseRequest
    previous: ResponseRecord | None
    new_items: list[JSONObject]
    entries: list[Entry]
    # The cached chain history that ``entries`` begin with, unchanged (None: counted from scratch).
    chain: ChainContext | None = None

    @property
    def model_items(self) -> list[JSONObject]:
        """Every item of the context as the model would see it untruncated (compaction blocks opened)."""
        return flatten(self.entries)

    def kept_items(self, kept: list[Entry]) -> list[JSONObject]:
        """``flatten(kept)`` for the entries of ``self.entries`` that the window kept (a subsequence, so the same
        length means all of them): from the cached chain's items when it kept them all (the usual case), instead
        of walking every entry of a long chain again (issue 8: at depth 1,000 that walk was the largest cost of
        a create after storage)."""
        if self.chain is not None and len(kept) == len(self.entries):
            return [*self.chain.flat, *flatten(self._own_entries)]
        return flatten(kept)

    @property
    def cost(self) -> int:
        """Input tokens of the whole context, untruncated."""
        if self.chain is None:
            return sum(entry.cost for entry in self.entries)
        return self.chain.cost + sum(entry.cost for entry in self._own_entries)

    def turn_index(self) -> int:
        """How many model replies the context already holds (``context.turn_index``)."""
        if self.chain is None:
            return turn_index(self.model_items)
        return self.chain.turns.after(flatten(self._own_entries)).count

    def check_tool_call_pairing(self) -> None:
        """Every function call needs its output and every output its call (``context.check_tool_call_pairing``)."""
        if self.chain is None or self.chain.pairing is None:
            check_tool_call_pairing(self.model_items)
        else:
            self.chain.pairing.after(flatten(self._own_entries)).check()

    @property
    def _own_entries(self) -> list[Entry]:
        """The entries after the cached chain history: the prompt's items and the request's input."""
        return self.entries[len(self.chain.entries) :] if self.chain is not None else self.entries


def sent_items(raw: str | Sequence[JSONObject] | None) -> list[JSONObject]:
    """The request's ``input`` as the list of items the client sent (a string is one user message)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    return list(raw)


class ContextAssembler:
    """Looks up what a request refers to and builds its context entries."""

    def __init__(
        self,
        store: Store,
        *,
        prompts: PromptLibrary,
        compactor: Compactor,
        secret: str,
        chain_cache_items: int = DEFAULT_MAX_ITEMS,
    ) -> None:
        self._store = store
        self._prompts = prompts
        self._compactor = compactor
        self._resolver = ItemResolver(store.responses, secret=secret, compactor=compactor)
        self._chains = ChainCache(store.responses, compactor, max_items=chain_cache_items)

    async def assemble(self, tenant: str, request: CreateResponseRequest, ids: ResponseIds) -> Assembly:
        history: Sequence[JSONObject] = []
        chain = None
        if request.conversation is not None:
            # Its items come first in the model's context (validation keeps previous_response_id out); the
            # pipeline appends this response's input and output to it once the response has finished.
            conversation_items = await self._store.conversations.all_items(tenant, request.conversation)
            if conversation_items is None:
                raise conversation_not_found(request.conversation)
            history = conversation_items
        prompt = self._prompts.resolve(request.prompt) if request.prompt is not None else None
        previous = None
        if request.previous_response_id is not None:
            previous = await self._store.responses.get(tenant, request.previous_response_id)
            # A store:false background response is kept only for polling: it cannot continue a chain.
            if previous is None or previous.body.get("store") is False:
                raise InvalidRequestError(
                    f"Previous response with id '{request.previous_response_id}' not found.",
                    param="previous_response_id",
                    code="previous_response_not_found",
                )
            chain = await self._chains.context(tenant, previous)
            history = chain.items
        new_items = await self._resolver.resolve(
            tenant, sent_items(request.input), normalize_input(request.input, ids), history
        )
        prompt_items: list[JSONObject] = []
        if prompt is not None:
            prompt_items = normalize_input(prompt.input, ids)
            request = dataclasses.replace(
                request,
                instructions=request.instructions if request.instructions is not None else prompt.instructions,
                prompt=prompt.echo,
            )
        own = [*prompt_items, *new_items]
        if chain is not None and not has_compaction(own):
            entries = self._compactor.extend(chain.entries, own, new=True)
        else:  # a compaction item among them may absorb history entries: count everything again
            chain = None
            entries = self._compactor.entries([*history, *own], new_from=len(history))
        return Assembly(request=request, previous=previous, new_items=new_items, entries=entries, chain=chain)
