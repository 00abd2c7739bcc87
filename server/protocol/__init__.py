"""Request validation that reproduces the real API's error messages exactly (REFERENCE §B, §G).

Public surface:

* ``parse_json_body(raw)`` — strict JSON or the API's "could not parse the JSON body" 400;
* ``validate_create_body(body)`` / ``validate_input_tokens_body(body)`` / ``validate_compact_body(body)`` —
  steps 1–6 of §B.4, returning the typed ``CreateResponseRequest``;
* ``check_model_capabilities(request, model)`` — step 9 (what a given model refuses);
* ``parse_retrieve_query(pairs)`` / ``parse_list_query(pairs)`` — GET query strings;
* ``check_id(value, param=…, prefix=…)`` — malformed path ids;
* ``check_input_items(items, path)`` — the input-item rules, for other endpoints that take items;
* ``validate_conversation_create_body`` / ``validate_conversation_update_body`` /
  ``validate_conversation_items_body`` — the Conversations bodies.

Module map: ``wording`` (error messages), ``schema`` (the node DSL), ``sdk`` (nodes derived from SDK TypedDicts),
``items`` (input and messages), ``tools`` (tools, tool_choice), ``fields`` (the other parameters),
``hints`` ("Did you mean"), ``create`` (the body pipelines), ``conversations`` (their bodies), ``capabilities``,
``queries``.
"""

from __future__ import annotations

from server.protocol.capabilities import check_model_capabilities
from server.protocol.conversations import (
    validate_conversation_create_body,
    validate_conversation_items_body,
    validate_conversation_update_body,
)
from server.protocol.create import (
    parse_json_body,
    validate_compact_body,
    validate_create_body,
    validate_input_tokens_body,
)
from server.protocol.items import check_items as check_input_items
from server.protocol.queries import check_id, parse_list_query, parse_retrieve_query
from server.protocol.requests import (
    CreateConversationItemsRequest,
    CreateConversationRequest,
    CreateResponseRequest,
    ListQuery,
    RetrieveQuery,
    UpdateConversationRequest,
)

__all__ = [
    "CreateConversationItemsRequest",
    "CreateConversationRequest",
    "CreateResponseRequest",
    "ListQuery",
    "RetrieveQuery",
    "UpdateConversationRequest",
    "check_id",
    "check_input_items",
    "check_model_capabilities",
    "parse_json_body",
    "parse_list_query",
    "parse_retrieve_query",
    "validate_conversation_create_body",
    "validate_conversation_items_body",
    "validate_compact_body",
    "validate_conversation_update_body",
    "validate_create_body",
    "validate_input_tokens_body",
]
