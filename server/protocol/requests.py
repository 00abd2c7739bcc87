"""Validated request objects: typed views over request bodies that already passed validation.

Nested values (input items, tools, text, reasoning…) stay as the validated JSON the client sent; the engine
normalises them. ``fields_set`` records which keys the client actually sent, since several echoes depend on
"omitted" versus "sent as null".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from storage.frozen import checked_frozen

JSONObject = dict[str, Any]


@checked_frozen
class CreateResponseRequest:
    """``POST /v1/responses`` (and, with ``personality``, ``POST /v1/responses/input_tokens``)."""

    model: str
    input: str | list[JSONObject] | None = None
    instructions: str | None = None
    previous_response_id: str | None = None
    conversation: str | None = None  # the id, whether sent as "conv_…" or {"id": "conv_…"}
    store: bool = True
    stream: bool = False
    stream_options: JSONObject | None = None
    background: bool = False
    include: tuple[str, ...] = ()
    max_output_tokens: int | None = None
    max_tool_calls: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    parallel_tool_calls: bool = True
    prompt: JSONObject | None = None
    prompt_cache_key: str | None = None
    prompt_cache_options: JSONObject | None = None
    prompt_cache_retention: str | None = None
    reasoning: JSONObject | None = None
    safety_identifier: str | None = None
    service_tier: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_logprobs: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    text: JSONObject | None = None
    verbosity: str | None = None  # top-level key that the SDK's parse() may send
    tool_choice: str | JSONObject | None = None
    tools: tuple[JSONObject, ...] = ()
    truncation: str | None = None
    user: str | None = None
    context_management: tuple[JSONObject, ...] | None = None
    moderation: JSONObject | None = None
    access_programs: JSONObject | None = None
    image: JSONObject | None = None
    personality: str | None = None
    fields_set: frozenset[str] = frozenset()
    raw: JSONObject = field(default_factory=dict, compare=False, repr=False)  # the body as sent (background jobs)

    @classmethod
    def from_body(cls, body: JSONObject) -> CreateResponseRequest:
        """Build from a body that has passed validation (no checking here).

        Only the keys the body has are passed: every field taken as sent defaults to None, so an absent key
        and a null one read the same, and a short body does not pay for forty lookups and keywords (that was
        ~3% of a create in a profile of the server, issue 8).
        """
        fields: dict[str, Any] = {key: value for key, value in body.items() if key in _AS_SENT}
        if "conversation" in body:
            conversation = body["conversation"]
            fields["conversation"] = conversation.get("id") if isinstance(conversation, dict) else conversation
        if "store" in body:
            fields["store"] = body["store"] is not False
        if "stream" in body:
            fields["stream"] = bool(body["stream"])
        if "background" in body:
            fields["background"] = bool(body["background"])
        if "include" in body:
            fields["include"] = tuple(body["include"] or ())
        if "metadata" in body:
            fields["metadata"] = dict(body["metadata"] or {})
        if "parallel_tool_calls" in body:
            fields["parallel_tool_calls"] = body["parallel_tool_calls"] is not False
        if "tools" in body:
            fields["tools"] = tuple(body["tools"] or ())
        if body.get("context_management") is not None:
            fields["context_management"] = tuple(body["context_management"])
        return cls(**fields, fields_set=frozenset(body), raw=body)


# Fields read as the body sends them (each defaults to None); the others are converted in ``from_body``.
_AS_SENT = frozenset(
    {
        "model",
        "input",
        "instructions",
        "previous_response_id",
        "stream_options",
        "max_output_tokens",
        "max_tool_calls",
        "prompt",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning",
        "safety_identifier",
        "service_tier",
        "temperature",
        "top_p",
        "top_logprobs",
        "presence_penalty",
        "frequency_penalty",
        "text",
        "verbosity",
        "tool_choice",
        "truncation",
        "user",
        "moderation",
        "access_programs",
        "image",
        "personality",
    }
)


@dataclass(frozen=True, slots=True)
class RetrieveQuery:
    """Query of ``GET /v1/responses/{id}``."""

    include: tuple[str, ...] = ()
    include_obfuscation: bool = True
    starting_after: int | None = None
    stream: bool = False


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Query of the cursor-paginated lists (``input_items``, conversation items)."""

    after: str | None = None
    include: tuple[str, ...] = ()
    limit: int = 20
    order: Literal["asc", "desc"] = "desc"


@dataclass(frozen=True, slots=True)
class CreateConversationRequest:
    """``POST /v1/conversations``: initial items (as sent, not yet given ids) and metadata."""

    items: tuple[JSONObject, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UpdateConversationRequest:
    """``POST /v1/conversations/{id}``: the metadata that replaces the old (null sent reads as empty)."""

    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CreateConversationItemsRequest:
    """``POST /v1/conversations/{id}/items``: the items to append, as sent."""

    items: tuple[JSONObject, ...] = ()
