"""The echo model: replies with the text of the last user message. Deterministic by construction.

- When function call outputs follow the last user message, it replies with each output verbatim, one per
  line, so an agent's tool round trip ends in a message.
- When ``tool_choice`` forces a tool, or under ``auto`` the last user message names one (see
  ``tool_selection``), it calls that tool; after a server-side built-in
  (web search, file search, code interpreter, image generation) it goes on to answer in a message. Once tool
  outputs follow the last user message it answers with them instead of calling again, so an agent loop that
  keeps ``tool_choice`` set still ends (a real model may loop; tests want it to end).
- With a ``json_schema`` text format it answers JSON: the user's text when that is JSON (so a test decides the
  structured output), else a deterministic instance of the schema. ``json_object`` likewise, with
  ``{"reply": <text>}`` as the fallback.
- Images and files of the last user message are named on lines after the text (``[image: image/png, 68
  bytes]``, ``[file: report.pdf, application/pdf, 1234 bytes]``, or the URL / file id), so a test sees they
  arrived; URLs are never fetched.
- Reasoning models think first: a ``reasoning`` item whose token count grows with the effort.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from scenarios.attachments import describe_part
from scenarios.base import BackendEvent, BackendRequest, MessageEnd, MessageStart, Reasoning, TextDelta, ToolCall
from scenarios.schema_values import instance
from scenarios.tool_selection import SERVER_SIDE, auto_tools, calls_for, forced_tool

REASONING_TOKENS = {"minimal": 8, "low": 32, "medium": 64, "high": 128, "xhigh": 256, "max": 512}


def content_text(content: Any) -> str:
    """Text of a message's content: a string, or its text parts joined with newlines."""
    if isinstance(content, str):
        return content
    texts = [
        str(part.get("text", ""))
        for part in content or ()
        if isinstance(part, dict) and part.get("type") in ("input_text", "output_text", "text")
    ]
    return "\n".join(texts)


def last_user_index(context: Sequence[dict[str, Any]]) -> int:
    """Where the last user message is in the context (-1 when there is none)."""
    for index in range(len(context) - 1, -1, -1):
        item = context[index]
        if item.get("type", "message") == "message" and item.get("role") == "user":
            return index
    return -1


def tool_outputs_after_last_user(context: Sequence[dict[str, Any]], last_user: int | None = None) -> list[str]:
    """The outputs of the tool calls answered since the last user message, in order (``last_user``: its
    index, when the caller has it already)."""
    start = last_user_index(context) if last_user is None else last_user
    outputs: list[str] = []
    for item in context[start + 1 :]:
        if item.get("type") in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output", "")
            outputs.append(output if isinstance(output, str) else content_text(output))
    return outputs


def last_user_attachments(context: Sequence[dict[str, Any]], last_user: int | None = None) -> list[str]:
    """Notes naming each image and file of the last user message (see ``scenarios.attachments``)."""
    index = last_user_index(context) if last_user is None else last_user
    if index < 0:
        return []
    content = context[index].get("content")
    if not isinstance(content, list):
        return []
    notes = (describe_part(part) for part in content)
    return [note for note in notes if note is not None]


def last_user_text(context: Sequence[dict[str, Any]], last_user: int | None = None) -> str:
    index = last_user_index(context) if last_user is None else last_user
    return content_text(context[index].get("content")) if index >= 0 else ""


class EchoBackend:
    """Backend ``echo``: the reply is what the user said last."""

    name = "echo"

    async def stream(self, request: BackendRequest) -> AsyncIterator[BackendEvent]:
        effort = (request.reasoning or {}).get("effort")
        if effort is not None and effort != "none":
            summary: tuple[str, ...] = ()
            if (request.reasoning or {}).get("summary"):
                summary = ("**Reading the request**\n\nThe user asked me something; I will answer it plainly.",)
            yield Reasoning(tokens=REASONING_TOKENS.get(str(effort), 64), summary=summary)
        context = request.context
        last_user = last_user_index(context)  # read once: the helpers below would each look for it again
        outputs = tool_outputs_after_last_user(context, last_user)
        query = last_user_text(context, last_user)
        if not outputs:
            forced = forced_tool(request.tools, request.tool_choice)
            tools = (
                [forced]
                if forced is not None
                else auto_tools(request.tools, request.tool_choice, query, parallel=request.parallel_tool_calls)
            )
            calls = [call for tool in tools for call in calls_for(tool, query)]
            for call in calls:
                yield call
            if any(not (isinstance(call, ToolCall) and call.item["type"] in SERVER_SIDE) for call in calls):
                return  # the client runs its tools and sends their outputs in the next request
        if outputs:
            reply = "\n".join(outputs)
        else:
            reply = "\n".join([query, *last_user_attachments(context, last_user)]).strip()
        yield MessageStart()
        yield TextDelta(formatted(reply, request.text_format))
        yield MessageEnd()


def formatted(reply: str, text_format: dict[str, Any]) -> str:
    """The reply in the requested text format."""
    kind = text_format.get("type")
    if kind not in ("json_schema", "json_object"):
        return reply
    try:
        parsed = json.loads(reply)
    except ValueError:
        parsed = None
    if kind == "json_object":
        return reply if isinstance(parsed, dict) else json.dumps({"reply": reply})
    if parsed is not None:
        return reply
    return json.dumps(instance(text_format.get("schema") or {}))
