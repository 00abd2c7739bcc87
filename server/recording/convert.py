"""What the recorder writes for one exchange: upstream answers as scenario turns, and the request facts grouping needs.

Everything here is pure: JSON in, scenario-shaped dicts out (the ``TurnSpec`` of ``scenarios/spec.py``). The
request helpers reuse the emulator's own readings of a request (``last_user_text``, ``turn_index``) so that a
recording matches on replay exactly what the emulator will see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, get_args

from scenarios.echo import content_text, last_user_text
from scenarios.spec import INCOMPLETE_REASONS, PHASES
from server.engine.context import turn_index

JSONObject = dict[str, Any]

REDACTED = "sk-REDACTED"
# OpenAI-style secret keys (sk-…, sk-proj-…), including the masked forms error messages quote (sk-ab***cd).
_SECRET = re.compile(r"\bsk-[A-Za-z0-9_*\-]{3,}")
# Keys whose values are credentials wherever they appear in an item (an MCP server's headers, for instance).
_SECRET_KEYS = re.compile(r"^(authorization|api[-_]?key|x-api-key|proxy-authorization)$", re.IGNORECASE)
# Error headers that change what a client does next (the SDK's retry logic reads them), so replay repeats them.
RETRY_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")
_PHASES = frozenset(get_args(PHASES))
_INCOMPLETE_REASONS = frozenset(get_args(INCOMPLETE_REASONS))


class Redactor:
    """Replaces API keys in everything the recorder writes: ``sk-…`` strings, and every key it has been shown."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Remember a credential (a client's or the upstream's key) so it is redacted even if not ``sk-``-shaped."""
        secret = secret.strip()
        if len(secret) >= 4:  # a shorter "key" would redact ordinary words
            self._secrets.add(secret)

    def text(self, value: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            value = value.replace(secret, REDACTED)
        return _SECRET.sub(REDACTED, value)

    def value(self, value: Any) -> Any:
        """A deep copy of a JSON value with every string redacted, and credential-named keys blanked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {
                k: (REDACTED if _SECRET_KEYS.match(str(k)) and v is not None else self.value(v))
                for k, v in value.items()
            }
        return value


# --- the request ------------------------------------------------------------------------------------------


def input_items(request: Mapping[str, Any]) -> list[JSONObject]:
    """The request's ``input`` as items: a string is one user message, as the emulator reads it."""
    sent = request.get("input")
    if isinstance(sent, str):
        return [{"type": "message", "role": "user", "content": sent}]
    if isinstance(sent, list):
        return [item for item in sent if isinstance(item, dict)]
    return []


def user_texts(items: Iterable[JSONObject]) -> list[str]:
    """The text of every user message, in order."""
    return [
        content_text(item.get("content"))
        for item in items
        if item.get("type", "message") == "message" and item.get("role") == "user"
    ]


def last_user(items: list[JSONObject]) -> str | None:
    """The last user message's text, or None when the items hold no user message."""
    return last_user_text(items) if user_texts(items) else None


def replies_in(items: list[JSONObject]) -> int:
    """How many model replies the items hold: the emulator's turn index for a request bringing this history."""
    return turn_index(items)


def is_model_output(item: JSONObject) -> bool:
    """Whether an input item is something a model produced (an assistant message, a call, reasoning)."""
    return turn_index([item]) == 1


def item_keys(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Keys that identify a model-produced item when a client sends it back: its id, call id, or message text."""
    keys: list[tuple[str, str]] = []
    if isinstance(item.get("id"), str):
        keys.append(("id", item["id"]))
    if isinstance(item.get("call_id"), str):
        keys.append(("call_id", item["call_id"]))
    if item.get("type", "message") == "message" and item.get("role") == "assistant":
        keys.append(("text", _message_text(item.get("content"))))
    return keys


def _message_text(content: Any) -> str:
    # Output text and refusals alike: a resent refusal must find its turn too.
    if isinstance(content, str):
        return content
    return "".join(
        str(part.get("text") or part.get("refusal") or "") for part in content or () if isinstance(part, dict)
    )


def conversation_id(request: Mapping[str, Any]) -> str | None:
    """The ``conversation`` of a request or response: a bare id or ``{"id": …}``."""
    conversation = request.get("conversation")
    if isinstance(conversation, dict):
        conversation = conversation.get("id")
    return conversation if isinstance(conversation, str) else None


# --- the answer -------------------------------------------------------------------------------------------


def response_turn(response: Mapping[str, Any], redact: Redactor) -> JSONObject:
    """A finished Response as a scenario turn: its output items, and how it ended when not ``completed``."""
    turn: JSONObject = {"output": output_items(response, redact)}
    status = response.get("status")
    if status == "incomplete":
        reason = (response.get("incomplete_details") or {}).get("reason")
        # A reason the scenario format cannot script (e.g. "steered") still ends the reply early.
        turn["incomplete"] = reason if reason in _INCOMPLETE_REASONS else "max_output_tokens"
    elif status == "failed":
        error = response.get("error") or {}
        fail: JSONObject = {"code": str(error.get("code") or "server_error")}
        if error.get("message"):
            fail["message"] = redact.text(str(error["message"]))
        turn["fail"] = fail
    if not turn["output"] and "fail" not in turn:
        # An empty reply cannot be scripted as output; an empty message keeps the turn (and its index) in place.
        turn["output"] = [{"message": ""}]
    return turn


def output_items(response: Mapping[str, Any], redact: Redactor) -> list[JSONObject]:
    """Scenario output items for a Response's ``output``, in order."""
    usage = response.get("usage") or {}
    reasoning_tokens = int((usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0)
    items: list[JSONObject] = []
    for item in response.get("output") or ():
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            items.extend(_message(item, redact))
        elif kind == "function_call":
            items.append({"function_call": _function_call(item, redact)})
        elif kind == "reasoning":
            # Usage bills reasoning for the whole response: the first reasoning item carries it all.
            reasoning: JSONObject = {}
            summary = [redact.text(str(p.get("text", ""))) for p in item.get("summary") or () if isinstance(p, dict)]
            if summary:
                reasoning["summary"] = summary
            reasoning["tokens"] = reasoning_tokens
            reasoning_tokens = 0
            items.append({"reasoning": reasoning})
        elif isinstance(kind, str):
            items.append({"tool_call": _tool_call(item, redact)})
    return items


def _message(item: Mapping[str, Any], redact: Redactor) -> list[JSONObject]:
    parts = [p for p in item.get("content") or () if isinstance(p, dict)]
    texts = [str(p.get("text", "")) for p in parts if p.get("type") == "output_text"]
    refusals = [str(p.get("refusal", "")) for p in parts if p.get("type") == "refusal"]
    found: list[JSONObject] = []
    if texts or not refusals:
        text = redact.text("".join(texts))
        phase = item.get("phase")
        found.append({"message": {"text": text, "phase": phase} if phase in _PHASES else text})
    if refusals:
        found.append({"refusal": redact.text("".join(refusals))})
    return found


def _function_call(item: Mapping[str, Any], redact: Redactor) -> JSONObject:
    # No call_id: the emulator makes its own, and the client answers with whichever it is given.
    raw = str(item.get("arguments") or "")
    arguments: Any = raw
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):  # an object reads better in YAML; anything else stays the exact string
        arguments = parsed
    return {"name": str(item.get("name", "")), "arguments": redact.value(arguments)}


def _tool_call(item: Mapping[str, Any], redact: Redactor) -> JSONObject:
    # The emulator assigns ids (and call ids) itself and defaults status to completed; another status is kept,
    # since it is part of what happened (a failed MCP call, an incomplete search).
    dropped = {"id", "call_id"} | ({"status"} if item.get("status") in (None, "completed") else set())
    value: JSONObject = redact.value({k: v for k, v in item.items() if k not in dropped})
    return value


def error_turn(status: int, body: Any, headers: Mapping[str, str], redact: Redactor) -> JSONObject:
    """An HTTP error answer as a scenario turn (``times: 1``; a retry that succeeds later adds the output)."""
    envelope = body.get("error") if isinstance(body, dict) else None
    error: JSONObject = {"status": status}
    if isinstance(envelope, dict):
        for key in ("message", "type", "code", "param"):
            value = envelope.get(key)
            error[key] = redact.text(str(value)) if value is not None else None
    else:
        text = body if isinstance(body, str) else json.dumps(body)
        error["message"] = redact.text(text.strip()[:2000]) or None
    kept = {name: headers[name] for name in RETRY_HEADERS if name in headers}
    if kept:
        error["headers"] = kept
    error["times"] = 1
    return {"error": error}
