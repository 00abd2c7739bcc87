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

from storage.frozen import checked_frozen

JSONObject = dict[str, Any]
Order = Literal["asc", "desc"]


@checked_frozen
class ResponseRecord:
    """One stored response: its indexed columns plus the Response object as emitted (``body``)."""

    id: str
    tenant: str
    created_at: int
    status: str
    body: JSONObject
    previous_response_id: str | None = None
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

        Deleted responses still contribute (see ``delete``); other tenants' responses never do.
        """
        ...

    async def chain_items(self, tenant: str, response_id: str) -> list[JSONObject]:
        """``context_items`` of the ``previous_response_id`` chain that ends at ``response_id``, oldest first:
        the context of a response continuing it. One query, however long the chain.

        Deleted responses in the chain still contribute, as in ``context_items``; an unknown id, or one of
        another tenant, gives ``[]``.
        """
        ...

    async def get_item(self, tenant: str, item_id: str) -> JSONObject | None:
        """Any stored input or output item by id, or None."""
        ...

    async def family_exists(self, tenant: str, stem: str) -> bool:
        """Whether a response of ``tenant`` (deleted or not) has an id ``resp_<stem>…``.

        Item ids share the first hex digits of their response's id (the stem), so this tells whether an
        unknown item id could have come from a stored response at all (``store: false`` ones leave no row).
        """
        ...


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """One conversation: what ``GET /v1/conversations/{id}`` shows. Its items live beside it, in order."""

    id: str
    tenant: str
    created_at: int
    metadata: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class ConversationRepo(Protocol):
    """Conversations and their ordered items.

    A deleted conversation is gone for every call (None / False), but its items are kept, unreachable: the
    real API documents that deleting a conversation does not delete its items.
    """

    async def create(self, record: ConversationRecord, *, items: Sequence[JSONObject] = ()) -> None:
        """Store a new conversation with its initial items in one transaction.

        Every item carries an ``id``. Raises ``KeyError`` if the conversation id already exists.
        """
        ...

    async def get(self, tenant: str, conversation_id: str) -> ConversationRecord | None:
        """The conversation, or None when it does not exist, was deleted, or belongs to another tenant."""
        ...

    async def update_metadata(
        self, tenant: str, conversation_id: str, metadata: dict[str, str]
    ) -> ConversationRecord | None:
        """Replace the metadata; the updated record, or None (nothing changed) when it is not visible."""
        ...

    async def delete(self, tenant: str, conversation_id: str) -> bool:
        """Soft-delete the conversation; False when there was nothing visible to delete."""
        ...

    async def append_items(self, tenant: str, conversation_id: str, items: Sequence[JSONObject]) -> bool:
        """Append ``items`` at the end, atomically: all of them, contiguous and in order, or none.

        Concurrent appends to one conversation never interleave nor lose items. False (nothing written) when
        the conversation is not visible.
        """
        ...

    async def list_items(
        self,
        tenant: str,
        conversation_id: str,
        *,
        after: str | None = None,
        limit: int = 20,
        order: Order = "desc",
    ) -> ItemPage | None:
        """A page of the items; None when the conversation is not visible.

        ``order="asc"`` is the order they were added; ``after`` is an item id and the page starts just past
        it in the chosen order (an unknown ``after`` gives an empty page).
        """
        ...

    async def get_item(self, tenant: str, conversation_id: str, item_id: str) -> JSONObject | None:
        """The item, or None when it or its conversation is not visible."""
        ...

    async def delete_item(self, tenant: str, conversation_id: str, item_id: str) -> bool:
        """Remove the item for good; False when it or its conversation is not visible."""
        ...

    async def all_items(self, tenant: str, conversation_id: str) -> list[JSONObject] | None:
        """Every item in the order added (a model's context); None when the conversation is not visible."""
        ...


@checked_frozen
class JournalEntry:
    """One request as the journal keeps it: indexed columns, and ``data`` (body, masked headers, status…)."""

    tenant: str
    at: float
    method: str
    path: str
    data: JSONObject


@runtime_checkable
class Journal(Protocol):
    """Every request a tenant's clients made, so a test can assert what its client sent."""

    async def record(self, entries: Sequence[JournalEntry]) -> None:
        """Append entries (a batch, in one transaction)."""
        ...

    async def list(
        self,
        tenant: str,
        *,
        path_prefix: str | None = None,
        method: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
    ) -> list[JournalEntry]:
        """The tenant's newest ``limit`` matching entries, oldest first."""
        ...

    async def clear(self, tenant: str) -> int:
        """Forget the tenant's entries; returns how many there were."""
        ...

    async def trim(self, keep: int) -> None:
        """Keep only the newest ``keep`` entries over all tenants."""
        ...


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A background response's job: who runs it, until when, and how its lifecycle is held."""

    response_id: str
    tenant: str
    state: str  # queued | running | done
    payload: JSONObject
    created_at: float
    owner: str | None = None
    lease_expires_at: float | None = None
    cancel_requested: bool = False
    queued_until: float = 0.0
    queued_polls: int = 0
    in_progress_until: float = 0.0
    in_progress_polls: int = 0
    polls: int = 0
    expires_at: float | None = None


@dataclass(frozen=True, slots=True)
class OrphanRecord:
    """A response left ``queued``/``in_progress`` that nobody is producing, because its server died (see
    ``BackgroundRepo.find_orphans``); a ``background`` one has no job row."""

    tenant: str
    response_id: str
    background: bool


@runtime_checkable
class BackgroundRepo(Protocol):
    """The durable job queue of background responses, and the event log resumable streams replay.

    Jobs are claimed with a lease that their runner renews; several servers share one queue (on PostgreSQL,
    claims use ``FOR UPDATE SKIP LOCKED``). A job whose lease lapses is taken over by another server.
    """

    async def enqueue(self, job: JobRecord) -> None: ...

    async def get(self, tenant: str, response_id: str) -> JobRecord | None: ...

    async def note_poll(self, tenant: str, response_id: str) -> None:
        """Count one retrieval of the response (lifecycle control by number of polls)."""
        ...

    async def claim(self, owner: str, now: float, lease_seconds: float, *, limit: int = 1) -> list[JobRecord]:
        """Take up to ``limit`` of the oldest queued jobs whose queue hold is over, oldest first, in one
        transaction (none: an empty list). Each is leased to ``owner`` until ``now + lease_seconds``; no job is
        ever handed to two claimers, whichever servers claim at once."""
        ...

    async def take_over_expired(self, owner: str, now: float, lease_seconds: float) -> list[JobRecord]:
        """Take the running jobs whose lease lapsed (their server died)."""
        ...

    async def renew(self, owner: str, response_ids: Sequence[str], until: float) -> set[str]:
        """Extend the leases of the owner's jobs; returns those whose cancellation was requested."""
        ...

    async def request_cancel(self, tenant: str, response_id: str) -> JobRecord | None:
        """Record a cancel request (before anyone acts on it); the job as it is now, or None."""
        ...

    async def cancel_queued(self, response_id: str) -> bool:
        """Move a still-queued job straight to done; False when a worker claimed it first."""
        ...

    async def finish(self, response_id: str) -> None: ...

    async def release(self, owner: str) -> None:
        """Hand back the owner's running jobs at shutdown (their leases lapse at once)."""
        ...

    async def count_by_state(self) -> dict[str, int]: ...

    async def expire(self, now: float) -> list[tuple[str, str]]:
        """Delete the finished ``store: false`` responses past their expiry; returns (tenant, id) pairs."""
        ...

    async def append_events(self, tenant: str, response_id: str, events: Sequence[JSONObject]) -> None: ...

    async def read_events(self, tenant: str, response_id: str, *, after: int, limit: int = 500) -> list[JSONObject]:
        """Events with ``sequence_number > after``, in order."""
        ...

    async def lease_responses(self, owner: str, response_ids: Sequence[str], *, now: float, until: float) -> None:
        """Make ``response_ids`` the owner's leased responses, all until ``until`` (the heartbeat); leases
        lapsed at ``now`` (dead servers') are dropped.

        These are the responses a server produces that no job lease covers (stored foreground streams, and
        background responses until their job is written); ``find_orphans`` skips them while the lease holds.
        """
        ...

    async def find_orphans(
        self, *, alive_at: float | None, created_before: float | None, limit: int = 200
    ) -> list[OrphanRecord]:
        """Responses still ``queued``/``in_progress`` that no live server produces: no job row (background ones
        with a job belong to the job leases) and no response lease live at ``alive_at`` (None: ignore leases),
        created before ``created_before`` (None: any age). Deleted responses are left out.
        """
        ...

    async def adopt(self, job: JobRecord) -> bool:
        """Write the job row of an orphaned background response, unless it has one by now: False then.

        The response id is the key, so a late ``enqueue`` of the same response and this cannot both win.
        """
        ...


@runtime_checkable
class Store(Protocol):
    """Everything the emulator remembers, opened once at start-up and closed at shutdown."""

    @property
    def responses(self) -> ResponseRepo: ...

    @property
    def conversations(self) -> ConversationRepo: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def background(self) -> BackgroundRepo: ...

    async def purge_tenant(self, tenant: str) -> None:
        """Delete everything the tenant has: responses, conversations, their items and its journal."""
        ...

    async def ping(self) -> bool:
        """True when the database answers a trivial query (for the health endpoint)."""
        ...

    async def close(self) -> None:
        """Dispose of the engine and its connections."""
        ...
