"""What the model sees: the stored chain (or conversation) first, then the request's new input items.

Input items are normalised into the shape ``GET /responses/{id}/input_items`` lists them in: every item has an
id, a string input becomes one user message with an ``input_text`` part, and easy messages get content parts
(REFERENCE §C.6). The same normalised items are what the backend reads and what is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import Any

from server.engine.ids import ResponseIds
from server.errors import InvalidRequestError
from server.protocol.sdk_snapshot import ITEM_TYPES_REQUIRING_STATUS
from storage.frozen import checked_frozen

JSONObject = dict[str, Any]

# Id prefixes of input items the client sent without an id. Observed prefixes where known (REFERENCE §C.1);
# the rest follow the same pattern.
_ID_PREFIX = {
    "message": "msg",
    "function_call": "fc",
    "function_call_output": "fco",
    "custom_tool_call": "ctc",
    "custom_tool_call_output": "ctco",
    "reasoning": "rs",
    "web_search_call": "ws",
    "file_search_call": "fs",
    "computer_call": "cu",
    "computer_call_output": "cuo",
    "code_interpreter_call": "ci",
    "image_generation_call": "ig",
    "local_shell_call": "lsh",
    "local_shell_call_output": "lsho",
    "shell_call": "sh",
    "shell_call_output": "sho",
    "apply_patch_call": "apc",
    "apply_patch_call_output": "apco",
    "mcp_call": "mcp",
    "mcp_list_tools": "mcpl",
    "mcp_approval_request": "mcpr",
    "mcp_approval_response": "mcpa",
    "compaction": "cmp",
}
_MODEL_OUTPUT_TYPES = frozenset(
    {
        "function_call",
        "custom_tool_call",
        "reasoning",
        "web_search_call",
        "file_search_call",
        "computer_call",
        "code_interpreter_call",
        "image_generation_call",
        "local_shell_call",
        "shell_call",
        "apply_patch_call",
        "mcp_call",
        "mcp_list_tools",
        "mcp_approval_request",
    }
)


# Item types whose stored form (the SDK's ``ResponseItem``, read into the snapshot) requires ``status``, which
# clients may omit.
_NEEDS_STATUS = frozenset(ITEM_TYPES_REQUIRING_STATUS) - {"message"}


def _message_parts(role: str, content: Any) -> list[JSONObject]:
    if isinstance(content, str):
        if role == "assistant":
            return [{"type": "output_text", "annotations": [], "logprobs": [], "text": content}]
        return [{"type": "input_text", "text": content}]
    parts: list[JSONObject] = []
    for part in content:
        part = dict(part)
        if part.get("type") == "output_text":
            part.setdefault("annotations", [])
            part.setdefault("logprobs", [])
        parts.append(part)
    return parts


def normalize_input(raw: str | Sequence[JSONObject] | None, ids: ResponseIds) -> list[JSONObject]:
    """The request's ``input`` as stored, id-bearing input items."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [{"role": "user", "content": raw}]
    items: list[JSONObject] = []
    for sent in raw:
        # Validation lets a bare `{"id": …}` through as an item reference (the SDK's `type` is optional there);
        # every other item without a `type` is a message, which has a `role`.
        kind = sent.get("type") or ("message" if "role" in sent else "item_reference")
        if kind == "message":
            role = sent["role"]
            item: JSONObject = {"id": sent.get("id") or ids.item("msg"), "type": "message"}
            item["status"] = sent.get("status") or "completed"
            item["content"] = _message_parts(role, sent["content"])
            if "phase" in sent:
                item["phase"] = sent["phase"]
            item["role"] = role
            items.append(item)
        elif kind == "item_reference":
            items.append(dict(sent))
        else:
            # An empty or null `id` gets a fresh one (as messages do above), not kept to break the store.
            item = {"id": sent.get("id") or ids.item(_ID_PREFIX.get(kind, kind[:4]))}
            item |= {key: value for key, value in sent.items() if key != "id"}
            if kind in _NEEDS_STATUS and item.get("status") is None:  # omitted, or a replayed explicit null:
                item["status"] = "completed"  # input_items and conversation listings must parse with the SDK
            items.append(item)
    return items


@checked_frozen
class Turns:
    """How many model replies a context holds (runs of consecutive model-produced items), so far.

    A state rather than a count, so that a chain's cached history (``server.engine.chain``) is counted once
    and each request only counts its own items on top.
    """

    count: int = 0
    in_reply: bool = False

    def after(self, items: Iterable[JSONObject]) -> Turns:
        turns, in_reply = self.count, self.in_reply
        for item in items:
            kind = item.get("type", "message")
            produced = (kind == "message" and item.get("role") == "assistant") or kind in _MODEL_OUTPUT_TYPES
            if produced and not in_reply:
                turns += 1
            in_reply = produced
        return Turns(turns, in_reply)


def turn_index(items: Sequence[JSONObject]) -> int:
    """How many model replies the context already holds: runs of consecutive model-produced items."""
    return Turns().after(items).count


@checked_frozen
class Pairing:
    """Tool calls and outputs seen so far in a context (REFERENCE §B.3), as a state: see ``Turns``.

    ``after`` raises at the first output without an earlier call, ``check`` at the first call (in call
    order) that never got its output: the same errors, in the same order, as one pass over the whole context.
    """

    calls: Mapping[str, None] = field(default_factory=dict)  # every call id, in order of first appearance
    answered: frozenset[str] = frozenset()

    def after(self, items: Iterable[JSONObject]) -> Pairing:
        calls: dict[str, None] | None = None
        answered: set[str] | None = None
        for item in items:
            kind = item.get("type")
            if kind in ("function_call", "custom_tool_call"):
                calls = calls if calls is not None else dict(self.calls)
                calls[str(item.get("call_id"))] = None
            elif kind in ("function_call_output", "custom_tool_call_output"):
                call_id = str(item.get("call_id"))
                if call_id not in (calls if calls is not None else self.calls):
                    raise InvalidRequestError(
                        f"No tool call found for function call output with call_id {call_id}.", param="input"
                    )
                answered = answered if answered is not None else set(self.answered)
                answered.add(call_id)
        if calls is None and answered is None:
            return self
        return Pairing(
            calls if calls is not None else self.calls,
            frozenset(answered) if answered is not None else self.answered,
        )

    def check(self) -> None:
        if len(self.answered) == len(self.calls):
            return  # every answer names a call, so as many answers as calls means all are answered
        for call_id in self.calls:
            if call_id not in self.answered:
                raise InvalidRequestError(f"No tool output found for function call {call_id}.", param="input")


def check_tool_call_pairing(items: Sequence[JSONObject]) -> None:
    """Every function call needs its output and every output its call (REFERENCE §B.3)."""
    Pairing().after(items).check()
