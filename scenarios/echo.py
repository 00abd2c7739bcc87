"""The echo model: replies with the text of the last user message. Deterministic by construction.

When function call outputs follow the last user message, it replies with each output verbatim, one per line,
so an agent's tool round trip ends in a message. Reasoning models think first: a ``reasoning`` item whose
token count grows with the effort.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from scenarios.base import BackendEvent, BackendRequest, MessageEnd, MessageStart, Reasoning, TextDelta

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


def tool_outputs_after_last_user(context: Sequence[dict[str, Any]]) -> list[str]:
    outputs: list[str] = []
    for item in reversed(context):
        if item.get("type", "message") == "message" and item.get("role") == "user":
            break
        if item.get("type") in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output", "")
            outputs.append(output if isinstance(output, str) else content_text(output))
    return list(reversed(outputs))


def last_user_text(context: Sequence[dict[str, Any]]) -> str:
    for item in reversed(context):
        if item.get("type", "message") == "message" and item.get("role") == "user":
            return content_text(item.get("content"))
    return ""


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
        outputs = tool_outputs_after_last_user(request.context)
        reply = "\n".join(outputs) if outputs else last_user_text(request.context)
        yield MessageStart()
        yield TextDelta(reply)
        yield MessageEnd()
