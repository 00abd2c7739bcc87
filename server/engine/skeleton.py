"""The Response object before the model says anything: every request field echoed with the real defaults.

Key order follows the 2026 observations (REFERENCE §C.1): ``id, object, created_at, status`` first, the rest
alphabetical, ``metadata`` last; optional keys are slotted alphabetically.
"""

from __future__ import annotations

from typing import Any

from scenarios.catalogue import ModelInfo
from server.engine.tools import normalize_tool
from server.protocol.requests import CreateResponseRequest

JSONObject = dict[str, Any]

_HEAD = ("id", "object", "created_at", "status")


def tool_usage_zero() -> JSONObject:
    """A fresh ``tool_usage`` with nothing used: a literal, three times faster than copying a constant."""
    return {
        "image_gen": {
            "input_tokens": 0,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": 0},
            "output_tokens": 0,
            "output_tokens_details": {"image_tokens": 0, "text_tokens": 0},
            "total_tokens": 0,
        },
        "web_search": {"num_requests": 0},
    }


_RESOLVED_TIER = {None: "default", "auto": "default", "default": "default", "fast": "priority"}


def ordered(response: JSONObject) -> JSONObject:
    """Put a Response's keys in the real API's order: ``response`` itself when they already are (callers pass
    a dict of their own), else a reordered copy."""
    keys = tuple(response)
    order = _ORDERS.get(keys)
    if order is None:
        order = _order(keys)
        if len(_ORDERS) < _ORDERS_KEPT:
            _ORDERS[keys] = order
    if order == keys:  # the skeleton and the terminal Response mostly are: no copy needed
        return response
    return {k: response[k] for k in order}


# The orders worked out so far, by the keys' order on arrival: nearly every Response arrives with one of a few
# key sequences, and sorting them anew was ~5% of a create (issue 8's profile). Bounded, as keys come from
# code, not from clients, but a bound costs nothing.
_ORDERS: dict[tuple[str, ...], tuple[str, ...]] = {}
_ORDERS_KEPT = 1024


def _order(keys: tuple[str, ...]) -> tuple[str, ...]:
    head = tuple(k for k in _HEAD if k in keys)
    rest = sorted(k for k in keys if k not in head and k != "metadata")
    return (*head, *rest, *(("metadata",) if "metadata" in keys else ()))


def resolved_service_tier(requested: str | None) -> str:
    """The tier a finished response reports: ``auto`` runs on ``default``, ``fast`` is ``priority``."""
    return _RESOLVED_TIER.get(requested, requested or "default")


def effective_effort(request: CreateResponseRequest, model: ModelInfo) -> str | None:
    """The reasoning effort the model runs at; None for models that do not reason."""
    if not model.reasoning:
        return None
    sent = (request.reasoning or {}).get("effort")
    return str(sent) if sent is not None else model.default_effort


def _reasoning_echo(request: CreateResponseRequest, model: ModelInfo) -> JSONObject:
    sent = request.reasoning or {}
    if not model.reasoning:
        return {"context": None, "effort": None, "summary": None}
    summary = sent.get("summary")
    if summary == "auto":  # observed: "auto" is echoed resolved
        summary = "detailed"
    out: JSONObject = {"context": sent.get("context") or model.reasoning_context}
    out["effort"] = effective_effort(request, model)
    if model.reasoning_mode is not None or sent.get("mode") is not None:
        out["mode"] = sent.get("mode") or model.reasoning_mode
    out["summary"] = summary
    return out


def _text_echo(request: CreateResponseRequest) -> JSONObject:
    sent = request.text or {}
    fmt = sent.get("format") or {"type": "text"}
    if fmt.get("type") == "json_schema":
        fmt = {
            "type": "json_schema",
            "description": fmt.get("description"),
            "name": fmt.get("name"),
            "schema": fmt.get("schema"),
            "strict": bool(fmt.get("strict", False)),
        }
    else:
        fmt = {"type": fmt.get("type", "text")}
    return {"format": fmt, "verbosity": sent.get("verbosity") or request.verbosity or "medium"}


def build_skeleton(
    request: CreateResponseRequest,
    model: ModelInfo,
    *,
    response_id: str,
    created_at: int,
) -> JSONObject:
    """The Response as ``response.created`` shows it (status filled in by the emitter)."""
    response: JSONObject = {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": "queued" if request.background else "in_progress",
        "background": request.background,
        "completed_at": None,
        "error": None,
        "frequency_penalty": request.frequency_penalty if request.frequency_penalty is not None else 0.0,
        "incomplete_details": None,
        "instructions": request.instructions,
        "max_output_tokens": request.max_output_tokens,
        "max_tool_calls": request.max_tool_calls,
        "model": model.snapshot,
        "moderation": None,
        "output": [],
        "parallel_tool_calls": request.parallel_tool_calls,
        "presence_penalty": request.presence_penalty if request.presence_penalty is not None else 0.0,
        "previous_response_id": request.previous_response_id,
        "prompt_cache_key": request.prompt_cache_key,
        "prompt_cache_retention": request.prompt_cache_retention or model.prompt_cache_retention,
        "reasoning": _reasoning_echo(request, model),
        "safety_identifier": request.safety_identifier,
        "service_tier": "auto",
        "store": request.store,
        "temperature": float(request.temperature) if request.temperature is not None else 1.0,
        "text": _text_echo(request),
        "tool_choice": request.tool_choice if request.tool_choice is not None else "auto",
        "tool_usage": tool_usage_zero(),
        "tools": [normalize_tool(t) for t in request.tools],
        "top_logprobs": request.top_logprobs if request.top_logprobs is not None else 0,
        "top_p": float(request.top_p) if request.top_p is not None else model.default_top_p,
        "truncation": request.truncation or "disabled",
        "usage": None,
        "user": request.user,
        "metadata": dict(request.metadata),
    }
    if request.conversation is None and request.prompt is None and request.prompt_cache_options is None:
        return response  # the literal above is in the real order already (tests/unit/test_skeleton.py)
    if request.conversation is not None:
        response["conversation"] = {"id": request.conversation}
    if request.prompt is not None:
        response["prompt"] = {
            "id": request.prompt.get("id"),
            "variables": request.prompt.get("variables"),
            "version": request.prompt.get("version"),
        }
    if request.prompt_cache_options is not None:
        response["prompt_cache_options"] = {"mode": "implicit", "ttl": "30m", **request.prompt_cache_options}
    return ordered(response)
