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
        """Build from a body that has passed validation (no checking here)."""
        conversation = body.get("conversation")
        if isinstance(conversation, dict):
            conversation = conversation.get("id")
        metadata = body.get("metadata") or {}
        return cls(
            model=body["model"],
            input=body.get("input"),
            instructions=body.get("instructions"),
            previous_response_id=body.get("previous_response_id"),
            conversation=conversation,
            store=body.get("store") is not False,
            stream=bool(body.get("stream")),
            stream_options=body.get("stream_options"),
            background=bool(body.get("background")),
            include=tuple(body.get("include") or ()),
            max_output_tokens=body.get("max_output_tokens"),
            max_tool_calls=body.get("max_tool_calls"),
            metadata=dict(metadata),
            parallel_tool_calls=body.get("parallel_tool_calls") is not False,
            prompt=body.get("prompt"),
            prompt_cache_key=body.get("prompt_cache_key"),
            prompt_cache_options=body.get("prompt_cache_options"),
            prompt_cache_retention=body.get("prompt_cache_retention"),
            reasoning=body.get("reasoning"),
            safety_identifier=body.get("safety_identifier"),
            service_tier=body.get("service_tier"),
            temperature=body.get("temperature"),
            top_p=body.get("top_p"),
            top_logprobs=body.get("top_logprobs"),
            presence_penalty=body.get("presence_penalty"),
            frequency_penalty=body.get("frequency_penalty"),
            text=body.get("text"),
            verbosity=body.get("verbosity"),
            tool_choice=body.get("tool_choice"),
            tools=tuple(body.get("tools") or ()),
            truncation=body.get("truncation"),
            user=body.get("user"),
            context_management=(
                tuple(body["context_management"]) if body.get("context_management") is not None else None
            ),
            moderation=body.get("moderation"),
            access_programs=body.get("access_programs"),
            image=body.get("image"),
            personality=body.get("personality"),
            fields_set=frozenset(body),
            raw=body,
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
