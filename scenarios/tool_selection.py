"""Which tools the default model calls, and the call items it makes.

Forced by ``tool_choice``: ``"required"`` calls the first offered tool; ``{"type": "function", "name": …}`` and
``{"type": "custom", …}`` call that tool; ``allowed_tools`` with mode ``required`` calls the first allowed
one; a built-in type (``web_search_preview``, ``file_search``, ``code_interpreter``, ``image_generation``,
``computer_use_preview``) calls that built-in.

Chosen under ``"auto"`` (the default; also ``allowed_tools`` with mode ``auto``, over the allowed tools): every
offered function or custom tool whose name, or a distinctive word of its name, appears as a whole word in the
last user message ("What's the weather in Paris?" calls ``get_weather``), and every built-in named there
("search the web", "generate an image"…); only the first with ``parallel_tool_calls: false``. ``"none"``
never calls. Arguments are deterministic instances of the tool's JSON Schema.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from scenarios.base import BackendEvent, FunctionCall, ToolCall
from scenarios.schema_values import instance

JSONObject = dict[str, Any]

# A 1x1 transparent PNG: the smallest honest "generated image".
TINY_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
_WEB_SEARCH = ("web_search", "web_search_2025_08_26", "web_search_preview", "web_search_preview_2025_03_11")
_COMPUTER = ("computer", "computer_use", "computer_use_preview")
# Built-ins after whose call the model goes on to answer in a message (it needs no output from the client).
SERVER_SIDE = frozenset(
    {
        "web_search_call",
        "file_search_call",
        "code_interpreter_call",
        "image_generation_call",
        "mcp_list_tools",
        "mcp_call",
    }
)


def forced_tool(tools: Sequence[JSONObject], tool_choice: Any) -> JSONObject | None:
    """The tool definition ``tool_choice`` forces a call to, or None when the model may answer freely."""
    if tool_choice == "required":
        return tools[0] if tools else None
    if not isinstance(tool_choice, dict):
        return None
    kind = tool_choice.get("type")
    if kind in ("function", "custom"):
        named = [t for t in tools if t.get("type") == kind and t.get("name") == tool_choice.get("name")]
        return named[0] if named else {"type": kind, "name": tool_choice.get("name")}
    if kind == "allowed_tools":
        if tool_choice.get("mode") != "required":
            return None
        allowed = tool_choice.get("tools") or []
        for tool in tools:
            if any(_matches(tool, wanted) for wanted in allowed):
                return tool
        return None
    if kind in _WEB_SEARCH:
        return next((t for t in tools if t.get("type") in _WEB_SEARCH), {"type": kind})
    if kind in _COMPUTER:
        return next((t for t in tools if t.get("type") in _COMPUTER), {"type": kind})
    if kind in ("file_search", "code_interpreter", "image_generation", "shell", "local_shell", "apply_patch"):
        return next((t for t in tools if t.get("type") == kind), {"type": kind})
    if kind == "mcp":
        server = next(
            (t for t in tools if t.get("type") == "mcp" and t.get("server_label") == tool_choice.get("server_label")),
            {"type": "mcp", "server_label": tool_choice.get("server_label")},
        )
        return {**server, "forced_name": tool_choice.get("name")}
    return None


def _matches(tool: JSONObject, wanted: Any) -> bool:
    if not isinstance(wanted, dict) or wanted.get("type") != tool.get("type"):
        return False
    return "name" not in wanted or wanted.get("name") == tool.get("name")


def calls_for(tool: JSONObject, query: str) -> list[BackendEvent]:
    """The call items the model makes to ``tool`` about ``query`` (the last user message)."""
    kind = tool.get("type")
    if kind == "function":
        arguments = instance(tool.get("parameters") or {"type": "object", "properties": {}})
        return [FunctionCall(name=str(tool.get("name")), arguments=json.dumps(arguments, separators=(",", ":")))]
    if kind == "custom":
        return [ToolCall({"type": "custom_tool_call", "name": tool.get("name"), "input": query})]
    if kind in _WEB_SEARCH:
        return [ToolCall({"type": "web_search_call", "action": {"type": "search", "query": query, "queries": [query]}})]
    if kind == "file_search":
        return [ToolCall({"type": "file_search_call", "queries": [query], "results": None})]
    if kind == "code_interpreter":
        container = tool.get("container")
        container_id = container if isinstance(container, str) else "cntr_" + _digest(query)
        code = f"print({query!r})"
        return [
            ToolCall({"type": "code_interpreter_call", "code": code, "container_id": container_id, "outputs": None})
        ]
    if kind == "image_generation":
        partials = (TINY_PNG,) if tool.get("partial_images") else ()
        item = {"type": "image_generation_call", "result": TINY_PNG, "revised_prompt": query}
        return [ToolCall(item, partial_images=partials)]
    if kind in _COMPUTER:
        return [ToolCall({"type": "computer_call", "action": {"type": "screenshot"}, "pending_safety_checks": []})]
    if kind == "local_shell":
        return [
            ToolCall(
                {"type": "local_shell_call", "action": {"type": "exec", "command": ["bash", "-lc", query], "env": {}}}
            )
        ]
    if kind == "shell":
        return [ToolCall({"type": "shell_call", "action": {"commands": [query]}})]
    if kind == "apply_patch":
        operation = {"type": "create_file", "path": "notes.md", "diff": f"+{query}\n"}
        return [ToolCall({"type": "apply_patch_call", "operation": operation})]
    if kind == "mcp":
        return _mcp_calls(tool, query)
    return []


def _mcp_calls(tool: JSONObject, query: str) -> list[BackendEvent]:
    """MCP: list the server's tools, then call one, or ask for approval first (the real default)."""
    label = str(tool.get("server_label") or "mcp")
    allowed = tool.get("allowed_tools")
    names = allowed if isinstance(allowed, list) and allowed else (allowed or {}).get("tool_names") or ["search"]
    name = str(tool.get("forced_name") or names[0])
    listed = [
        {"name": n, "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}} for n in names
    ]
    events: list[BackendEvent] = [ToolCall({"type": "mcp_list_tools", "server_label": label, "tools": listed})]
    arguments = json.dumps({"query": query}, separators=(",", ":"))
    if tool.get("require_approval") == "never":
        output = f"(emulated result of {name} on {label} for {query!r})"
        events.append(
            ToolCall(
                {
                    "type": "mcp_call",
                    "server_label": label,
                    "name": name,
                    "arguments": arguments,
                    "output": output,
                    "error": None,
                }
            )
        )
    else:
        events.append(
            ToolCall({"type": "mcp_approval_request", "server_label": label, "name": name, "arguments": arguments})
        )
    return events


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# Verbs that say nothing about which tool is meant: "get_weather" is chosen by "weather", not by "get".
GENERIC_WORDS = frozenset(
    {
        "get",
        "set",
        "list",
        "create",
        "fetch",
        "search",
        "find",
        "make",
        "do",
        "run",
        "call",
        "update",
        "delete",
        "add",
        "remove",
        "query",
        "lookup",
        "look",
        "read",
        "write",
        "tool",
        "function",
        "the",
        "a",
        "an",
        "to",
        "of",
        "for",
        "by",
        "and",
        "or",
    }
)
# Phrases that name a built-in tool in a user message.
_BUILTIN_PHRASES = {
    "web_search": ("web search", "search the web", "search online", "browse", "look it up online"),
    "file_search": ("file search", "search the files", "search my files", "in the documents", "in my documents"),
    "code_interpreter": ("code interpreter", "run code", "run this code", "python"),
    "image_generation": ("generate an image", "draw", "create an image", "make an image", "picture of"),
    "shell": ("shell", "terminal", "run the command", "run a command"),
    "local_shell": ("shell", "terminal", "run the command", "run a command"),
    "apply_patch": ("apply a patch", "apply the patch", "patch the file", "edit the file"),
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def name_words(name: str) -> list[str]:
    """The distinctive words of a tool name: split at ``_``, ``-``, ``.`` and camelCase, generic verbs dropped."""
    words = [w.lower() for part in re.split(r"[_\-.\s]+", name) for w in _CAMEL.split(part) if w]
    return [w for w in words if w not in GENERIC_WORDS]


def _mentioned(tool: JSONObject, text: str) -> bool:
    lowered = text.lower()
    kind = str(tool.get("type"))
    if kind in ("function", "custom"):
        name = str(tool.get("name") or "")
        candidates = [name.lower(), *name_words(name)]
        return any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in candidates if word)
    if kind == "mcp":
        label = str(tool.get("server_label") or "")
        return bool(label) and re.search(rf"\b{re.escape(label.lower())}\b", lowered) is not None
    family = "web_search" if kind in _WEB_SEARCH else kind
    return any(phrase in lowered for phrase in _BUILTIN_PHRASES.get(family, ()))


def auto_tools(tools: Sequence[JSONObject], tool_choice: Any, text: str, *, parallel: bool) -> list[JSONObject]:
    """The tools the model decides to call on its own (``tool_choice`` auto), in offered order."""
    if tool_choice == "none":
        return []
    offered = list(tools)
    if isinstance(tool_choice, dict):
        if tool_choice.get("type") != "allowed_tools":
            return []
        allowed = tool_choice.get("tools") or []
        offered = [t for t in tools if any(_matches(t, wanted) for wanted in allowed)]
    chosen = [tool for tool in offered if _mentioned(tool, text)]
    return chosen[:1] if not parallel else chosen
