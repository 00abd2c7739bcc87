"""The progress events of built-in and custom tool call items (REFERENCE §D.4.4, §D.4.7).

Each type has its own choreography between ``output_item.added`` and ``output_item.done``: web and file
search go ``in_progress -> searching -> completed``; code interpreter streams its code, then interprets;
image generation may send partial images; MCP calls stream their arguments; custom tool calls stream their
input; compaction items send `compacting`. Types without streaming events (computer, shell, apply_patch,
approvals…) are added, then done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from scenarios.base import ToolCall

JSONObject = dict[str, Any]
_CHUNK = 8  # characters per delta for code, arguments and custom tool input

ID_PREFIX = {
    "web_search_call": "ws",
    "file_search_call": "fs",
    "code_interpreter_call": "ci",
    "image_generation_call": "ig",
    "mcp_list_tools": "mcpl",
    "mcp_call": "mcp",
    "mcp_approval_request": "mcpr",
    "custom_tool_call": "ctc",
    "computer_call": "cu",
    "local_shell_call": "lsh",
    "shell_call": "sh",
    "apply_patch_call": "apc",
    "compaction": "cmp",
}
_HAS_CALL_ID = frozenset({"custom_tool_call", "computer_call", "local_shell_call", "shell_call", "apply_patch_call"})
_HAS_STATUS = frozenset(
    {
        "web_search_call",
        "file_search_call",
        "code_interpreter_call",
        "image_generation_call",
        "mcp_call",
        "computer_call",
        "local_shell_call",
        "shell_call",
        "apply_patch_call",
    }
)


class ToolEventSink(Protocol):
    """What the choreography needs from the emitter."""

    def add(self, item: JSONObject) -> int: ...

    def event(self, event_type: str, **fields: Any) -> None: ...

    def done(self, item: JSONObject) -> None: ...

    def padding(self, delta: str) -> dict[str, str]: ...


def _chunks(text: str) -> list[str]:
    return [text[i : i + _CHUNK] for i in range(0, len(text), _CHUNK)]


def stream_tool_call(sink: ToolEventSink, call: ToolCall, *, new_id: Callable[[str], str]) -> JSONObject:
    """Emit one tool call item's events through ``sink``; returns the final item."""
    final: JSONObject = dict(call.item)
    kind = str(final["type"])
    final.setdefault("id", new_id(ID_PREFIX.get(kind, kind[:4])))
    if kind in _HAS_CALL_ID:
        final.setdefault("call_id", new_id("call"))
    if kind in _HAS_STATUS:
        final.setdefault("status", "completed")
    head = {key: final[key] for key in ("id", "type", "status") if key in final}
    final = head | {key: value for key, value in final.items() if key not in head}
    initial = _initial(final)
    index = sink.add(initial)
    common = {"item_id": final["id"], "output_index": index}
    prefix = f"response.{kind}"
    if kind in ("web_search_call", "file_search_call"):
        for phase in ("in_progress", "searching", "completed"):
            sink.event(f"{prefix}.{phase}", **common)
    elif kind == "code_interpreter_call":
        sink.event(f"{prefix}.in_progress", **common)
        code = str(final.get("code") or "")
        for delta in _chunks(code):
            sink.event("response.code_interpreter_call_code.delta", delta=delta, **common, **sink.padding(delta))
        sink.event("response.code_interpreter_call_code.done", code=code, **common)
        sink.event(f"{prefix}.interpreting", **common)
        sink.event(f"{prefix}.completed", **common)
    elif kind == "image_generation_call":
        sink.event(f"{prefix}.in_progress", **common)
        sink.event(f"{prefix}.generating", **common)
        for n, image in enumerate(call.partial_images):
            sink.event(f"{prefix}.partial_image", partial_image_b64=image, partial_image_index=n, **common)
        sink.event(f"{prefix}.completed", **common)
    elif kind == "mcp_list_tools":
        sink.event(f"{prefix}.in_progress", **common)
        sink.event(f"{prefix}.{'failed' if final.get('error') else 'completed'}", **common)
    elif kind == "mcp_call":
        sink.event(f"{prefix}.in_progress", **common)
        arguments = str(final.get("arguments") or "")
        for delta in _chunks(arguments):
            sink.event("response.mcp_call_arguments.delta", delta=delta, **common, **sink.padding(delta))
        sink.event("response.mcp_call_arguments.done", arguments=arguments, **common)
        sink.event(f"{prefix}.{'failed' if final.get('error') else 'completed'}", **common)
    elif kind == "compaction":
        # Zero or more `compacting` events, carrying no content (REFERENCE §D.4.10); one is sent.
        sink.event("response.compaction.compacting", **common)
    elif kind == "custom_tool_call":
        text = str(final.get("input") or "")
        for delta in _chunks(text):
            sink.event("response.custom_tool_call_input.delta", delta=delta, **common, **sink.padding(delta))
        sink.event("response.custom_tool_call_input.done", input=text, **common)
    sink.done(final)
    return final


def _initial(final: JSONObject) -> JSONObject:
    """The item as ``output_item.added`` shows it: in progress, with nothing produced yet."""
    kind = final["type"]
    initial = dict(final)
    if "status" in final:
        initial["status"] = "in_progress"
    if kind == "web_search_call":
        initial["action"] = {"type": (final.get("action") or {}).get("type", "search")}  # observed shape
    elif kind == "file_search_call":
        initial.update(queries=[], results=None)
    elif kind == "code_interpreter_call":
        initial.update(code="", outputs=None)
    elif kind == "image_generation_call":
        initial["result"] = None
    elif kind == "mcp_list_tools":
        initial["tools"] = []
    elif kind == "mcp_call":
        initial.update(arguments="", output=None)
    elif kind == "custom_tool_call":
        initial["input"] = ""
    elif kind == "compaction":
        initial["encrypted_content"] = ""  # the sealed content arrives with output_item.done
    return initial
