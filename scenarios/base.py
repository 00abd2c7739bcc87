"""The backend contract: what a scripted model receives, and the semantic events it may emit.

A backend never writes wire events. It yields the closed union ``BackendEvent``; the server's emitter turns
those into the exact server-sent events of the real API (ids, indexes, sequence numbers, obfuscation), so no
backend can produce an invalid stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

JSONObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class BackendRequest:
    """Everything a backend may look at, frozen.

    ``context`` is the fully resolved list of input items the model sees (previous responses or
    conversation items first, then the new input), each a JSON object in the input-item wire shape.
    ``turn_index`` counts the assistant replies already in the context (0 on the first turn).
    """

    model: str
    instructions: str | None
    context: Sequence[JSONObject]
    tools: Sequence[JSONObject] = ()
    tool_choice: str | JSONObject = "auto"
    parallel_tool_calls: bool = True
    text_format: JSONObject = field(default_factory=lambda: {"type": "text"})
    reasoning: JSONObject | None = None
    max_output_tokens: int | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    turn_index: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)  # request headers, names lower-cased


# --- semantic events --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessageStart:
    """Begin an assistant message item. ``phase`` is ``"final_answer"``/``"commentary"`` on models with phases."""

    phase: str | None = None


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of output text in the current message (the emitter opens an output_text part if needed)."""

    text: str


@dataclass(frozen=True, slots=True)
class RefusalDelta:
    """A piece of refusal text in the current message (the emitter opens a refusal part if needed)."""

    text: str


@dataclass(frozen=True, slots=True)
class MessageEnd:
    """Close the current message item."""


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """A complete function call; the emitter streams ``arguments`` in pieces."""

    name: str
    arguments: str
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A built-in or custom tool call item in its final form (``web_search_call``, ``file_search_call``,
    ``code_interpreter_call``, ``image_generation_call``, ``mcp_list_tools``, ``mcp_call``,
    ``custom_tool_call``, ``computer_call``, ``shell_call``…). The emitter assigns its id (and ``call_id``
    where the type has one) and streams the real progress events of its type.
    ``partial_images`` are base64 previews streamed before an image generation completes."""

    item: Mapping[str, Any]
    partial_images: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reasoning:
    """A reasoning item. ``tokens`` are billed as reasoning tokens; ``summary`` parts stream when requested."""

    tokens: int
    summary: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Delay:
    """Wait before the next event (pacing, latency injection); a non-streaming request waits just as long."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Incomplete:
    """End the response as ``incomplete`` with this reason (e.g. ``max_output_tokens``)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Fail:
    """End the response as ``failed`` with this error code and message (``param`` for the ``error`` event)."""

    code: str
    message: str
    param: str | None = None


@dataclass(frozen=True, slots=True)
class Compaction:
    """A ``compaction`` output item carrying ``encrypted_content`` (automatic context compaction).

    The server emits it before the model's reply when ``context_management`` asks for compaction; a backend
    may emit one too. The emitter streams the real choreography (REFERENCE §D.4.10).
    """

    encrypted_content: str


BackendEvent = (
    MessageStart
    | TextDelta
    | RefusalDelta
    | MessageEnd
    | FunctionCall
    | ToolCall
    | Reasoning
    | Delay
    | Incomplete
    | Fail
    | Compaction
)


@runtime_checkable
class Backend(Protocol):
    """A scripted model: one streaming method."""

    name: str

    def stream(self, request: BackendRequest) -> AsyncIterator[BackendEvent]:
        """Yield the semantic events of one model reply."""
        ...
