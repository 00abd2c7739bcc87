"""The Conversations resource: what each route does, independent of HTTP (REFERENCE §A rows 8-15, §F).

Request bodies arrive validated (``server.protocol.conversations``); here come the path-id checks, the
server-state lookups and the objects exactly as the real API (and the SDK's types) shape them. Items are
normalised like a response's input items (``normalize_input``): ids assigned, string content expanded into
parts, ``status: "completed"``. Responses add to conversations through the pipeline, not through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.engine.context import normalize_input
from server.engine.ids import Clock, IdFactory
from server.errors import NotFoundError, conversation_not_found, item_not_found
from server.protocol import check_id
from server.protocol.requests import (
    CreateConversationItemsRequest,
    CreateConversationRequest,
    ListQuery,
    UpdateConversationRequest,
)
from storage.base import ConversationRecord, ConversationRepo, Store

JSONObject = dict[str, Any]


def conversation_object(record: ConversationRecord) -> JSONObject:
    """The ``Conversation`` object, keys in the real API's order."""
    return {
        "id": record.id,
        "object": "conversation",
        "created_at": record.created_at,
        "metadata": dict(record.metadata),
    }


def _item_list(items: Sequence[JSONObject], *, has_more: bool) -> JSONObject:
    # SDK types mark first_id/last_id as strings, but on an empty page there is no id to give [inferred: null,
    # as `GET /v1/responses/{id}/input_items` does here]; the SDK's paginator reads only `last_id` and `has_more`.
    return {
        "object": "list",
        "data": list(items),
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }


class ConversationsService:
    """Create, retrieve, update and delete conversations, and add, list, retrieve and delete their items.

    Every call is scoped to a tenant: another tenant's conversation does not exist (404), exactly like an
    unknown or deleted one.
    """

    def __init__(self, *, store: Store, ids: IdFactory, clock: Clock) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock

    @property
    def _repo(self) -> ConversationRepo:
        return self._store.conversations

    # --- the conversation -----------------------------------------------------------------------------------

    async def create(self, tenant: str, request: CreateConversationRequest) -> JSONObject:
        """``POST /v1/conversations``: the new conversation, its initial items stored with it atomically."""
        record = ConversationRecord(
            id=self._ids.new("conv"),
            tenant=tenant,
            created_at=int(self._clock.now()),
            metadata=dict(request.metadata),
        )
        await self._repo.create(record, items=self._normalize(request.items))
        return conversation_object(record)

    async def retrieve(self, tenant: str, conversation_id: str) -> JSONObject:
        """``GET /v1/conversations/{id}``."""
        return conversation_object(await self._visible(tenant, conversation_id))

    async def update(self, tenant: str, conversation_id: str, request: UpdateConversationRequest) -> JSONObject:
        """``POST /v1/conversations/{id}``: replaces the metadata (it is not merged)."""
        check_id(conversation_id, param="conversation_id", prefix="conv")
        record = await self._repo.update_metadata(tenant, conversation_id, dict(request.metadata))
        if record is None:
            raise conversation_not_found(conversation_id)
        return conversation_object(record)

    async def delete(self, tenant: str, conversation_id: str) -> JSONObject:
        """``DELETE /v1/conversations/{id}``: afterwards every route answers 404, a second delete too."""
        check_id(conversation_id, param="conversation_id", prefix="conv")
        if not await self._repo.delete(tenant, conversation_id):
            raise conversation_not_found(conversation_id)
        return {"id": conversation_id, "object": "conversation.deleted", "deleted": True}

    # --- items ----------------------------------------------------------------------------------------------

    async def create_items(
        self, tenant: str, conversation_id: str, request: CreateConversationItemsRequest, query: ListQuery
    ) -> JSONObject:
        """``POST /v1/conversations/{id}/items``: the added items, in the order given (``include[]`` accepted)."""
        check_id(conversation_id, param="conversation_id", prefix="conv")
        items = self._normalize(request.items)
        if not await self._repo.append_items(tenant, conversation_id, items):
            raise conversation_not_found(conversation_id)
        return _item_list(items, has_more=False)

    async def list_items(self, tenant: str, conversation_id: str, query: ListQuery) -> JSONObject:
        """``GET /v1/conversations/{id}/items``: a page, newest first unless ``order=asc``."""
        check_id(conversation_id, param="conversation_id", prefix="conv")
        page = await self._repo.list_items(
            tenant, conversation_id, after=query.after, limit=query.limit, order=query.order
        )
        if page is None:
            raise conversation_not_found(conversation_id)
        return _item_list(page.data, has_more=page.has_more)

    async def retrieve_item(self, tenant: str, conversation_id: str, item_id: str, query: ListQuery) -> JSONObject:
        """``GET /v1/conversations/{id}/items/{item_id}``: the item as listed."""
        check_id(conversation_id, param="conversation_id", prefix="conv")
        item = await self._repo.get_item(tenant, conversation_id, item_id)
        if item is None:
            raise await self._missing(tenant, conversation_id, item_id)
        return item

    async def delete_item(self, tenant: str, conversation_id: str, item_id: str) -> JSONObject:
        """``DELETE /v1/conversations/{id}/items/{item_id}``: returns the parent Conversation."""
        check_id(conversation_id, param="conversation_id", prefix="conv")
        if not await self._repo.delete_item(tenant, conversation_id, item_id):
            raise await self._missing(tenant, conversation_id, item_id)
        return conversation_object(await self._visible(tenant, conversation_id))

    # --- helpers --------------------------------------------------------------------------------------------

    def _normalize(self, items: Sequence[JSONObject]) -> list[JSONObject]:
        # One id family per batch, as the items of one response share theirs.
        return normalize_input(list(items), self._ids.for_response())

    async def _visible(self, tenant: str, conversation_id: str) -> ConversationRecord:
        check_id(conversation_id, param="conversation_id", prefix="conv")
        record = await self._repo.get(tenant, conversation_id)
        if record is None:
            raise conversation_not_found(conversation_id)
        return record

    async def _missing(self, tenant: str, conversation_id: str, item_id: str) -> NotFoundError:
        """Which of the two is missing: the conversation's 404 wins over the item's."""
        if await self._repo.get(tenant, conversation_id) is None:
            return conversation_not_found(conversation_id)
        return item_not_found(item_id)
