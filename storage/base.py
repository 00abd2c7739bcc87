"""Repository Protocols: what the engine may ask of storage, and nothing about how it is kept.

Every call names the tenant (the project an API key maps to) and every implementation filters on it, so a
tenant can never see, chain from, list or delete another tenant's data: to it, that data does not exist.
Objects are stored as JSON-ready dicts exactly as the API emits them; storage never interprets them beyond
the indexed columns of the records below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

JSONObject = dict[str, Any]
Order = Literal["asc", "desc"]


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    """One stored response: its indexed columns plus the Response object as emitted (``body``).

    ``ancestors`` is the ``previous_response_id`` chain, oldest first, excluding this response; storing it
    lets the whole chain's context be read in one query instead of walking the chain row by row.
    """

    id: str
    tenant: str
    created_at: int
    status: str
    body: JSONObject
    previous_response_id: str | None = None
    ancestors: tuple[str, ...] = ()
    background: bool = False
    conversation_id: str | None = None


@dataclass(frozen=True, slots=True)
class ItemPage:
    """A page of items in the requested order; ``has_more`` says whether items lie beyond it."""

    data: list[JSONObject] = field(default_factory=list)
    has_more: bool = False


@runtime_checkable
class ResponseRepo(Protocol):
    """Responses with their input items (what the request sent) and output items (what the model made)."""

    async def insert(
        self,
        record: ResponseRecord,
        *,
        input_items: Sequence[JSONObject],
        output_items: Sequence[JSONObject] = (),
    ) -> None:
        """Store a new response with its items in one transaction: all of it or nothing.

        Every item carries a unique ``id``. Raises ``KeyError`` if the response id already exists.
        """
        ...

    async def update(
        self,
        tenant: str,
        response_id: str,
        *,
        status: str,
        body: JSONObject,
        output_items: Sequence[JSONObject],
    ) -> bool:
        """Replace a response's status, body and whole output item list in one transaction.

        Returns False (and changes nothing) when the response does not exist for this tenant.
        """
        ...

    async def get(self, tenant: str, response_id: str) -> ResponseRecord | None:
        """The response, or None when it does not exist, was deleted, or belongs to another tenant."""
        ...

    async def delete(self, tenant: str, response_id: str) -> bool:
        """Delete the response: afterwards ``get`` and ``list_input_items`` see nothing.

        Its items stay readable through ``context_items`` of responses that chained from it, because their
        context was fixed when they were created. Returns False when there was nothing to delete.
        """
        ...

    async def list_input_items(
        self,
        tenant: str,
        response_id: str,
        *,
        after: str | None = None,
        limit: int = 20,
        order: Order = "desc",
    ) -> ItemPage | None:
        """A page of the response's input items; None when the response is not visible.

        ``order="asc"`` is the order the request sent them; ``after`` is an item id, and the page starts
        just past it in the chosen order (an unknown ``after`` gives an empty page).
        """
        ...

    async def context_items(self, tenant: str, response_ids: Sequence[str]) -> list[JSONObject]:
        """Input items then output items of each response, in the order of ``response_ids``.

        Used to rebuild a ``previous_response_id`` chain: pass ``record.ancestors + (record.id,)``.
        Deleted responses still contribute (see ``delete``); other tenants' responses never do.
        """
        ...

    async def get_item(self, tenant: str, item_id: str) -> JSONObject | None:
        """Any stored input or output item by id, or None."""
        ...


@runtime_checkable
class Store(Protocol):
    """Everything the emulator remembers, opened once at start-up and closed at shutdown."""

    @property
    def responses(self) -> ResponseRepo: ...

    async def ping(self) -> bool:
        """True when the database answers a trivial query (for the health endpoint)."""
        ...

    async def close(self) -> None:
        """Dispose of the engine and its connections."""
        ...
