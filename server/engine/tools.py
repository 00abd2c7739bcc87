"""Tool definitions as the real API echoes them back (REFERENCE §B.1 ``tools``, §H.12 item 7).

Function tools are "strictified": ``strict`` defaults to true, ``description``/``output_schema`` are filled
with null, and the parameter schema gains ``additionalProperties: false`` and a full ``required`` list on
every object. The 2026 observation was an empty-properties schema; extending the rule to schemas whose
``required`` already lists a subset of properties would change their meaning, so such schemas are left as
sent with ``strict: false`` when the client did not ask for strict mode. (Inferred; the real API's rule
for that case is unobserved.)
"""

from __future__ import annotations

import copy
from typing import Any

JSONObject = dict[str, Any]

_WEB_SEARCH_TYPES = (
    "web_search",
    "web_search_2025_08_26",
    "web_search_preview",
    "web_search_preview_2025_03_11",
)


def _strict_compatible(schema: Any) -> bool:
    """True when strictifying would not change which arguments the schema accepts as required."""
    if not isinstance(schema, dict):
        return True
    if schema.get("type") == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        required = schema.get("required")
        if required is not None and set(required) != set(props):
            return False
        if schema.get("additionalProperties") not in (None, False):
            return False
        if not all(_strict_compatible(p) for p in props.values()):
            return False
    for key in ("items", "anyOf", "$defs", "definitions"):
        sub = schema.get(key)
        subs = (
            sub.values()
            if isinstance(sub, dict) and key in ("$defs", "definitions")
            else (sub if isinstance(sub, list) else [sub] if sub is not None else [])
        )
        if not all(_strict_compatible(s) for s in subs):
            return False
    return True


def _strictify(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_strictify(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strictify(v) for k, v in schema.items()}
    if out.get("type") == "object" or "properties" in out:
        props = out.get("properties") or {}
        out.setdefault("properties", props)
        out["additionalProperties"] = False
        out["required"] = list(out.get("required") or props.keys())
    return out


def normalize_tool(tool: JSONObject) -> JSONObject:
    """One tool as the Response echoes it."""
    kind = tool.get("type")
    if kind == "function":
        params = tool.get("parameters")
        strict = tool.get("strict")
        if strict is None:
            strict = _strict_compatible(params)
        out: JSONObject = {"type": "function", "description": tool.get("description")}
        out["name"] = tool["name"]
        out["output_schema"] = tool.get("output_schema")
        out["parameters"] = _strictify(copy.deepcopy(params)) if strict and params is not None else params
        out["strict"] = bool(strict)
        for extra in ("allowed_callers", "async", "defer_loading"):
            if extra in tool:
                out[extra] = tool[extra]
        return out
    if kind in _WEB_SEARCH_TYPES:
        out = {"type": kind}
        if kind.startswith("web_search_preview"):
            out["search_context_size"] = tool.get("search_context_size") or "medium"
            out["user_location"] = tool.get("user_location")
        else:
            out["filters"] = tool.get("filters")
            out["search_context_size"] = tool.get("search_context_size") or "medium"
            out["user_location"] = tool.get("user_location") or {
                "type": "approximate",
                "city": None,
                "country": "US",
                "region": None,
                "timezone": None,
            }
        for key, value in tool.items():
            out.setdefault(key, value)
        return out
    return dict(tool)
