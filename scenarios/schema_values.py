"""Deterministic instances of a JSON Schema: tool-call arguments and structured outputs that validate.

The same schema always gives the same value. Honoured: ``const``, ``default``, ``examples``, ``enum``, ``type``
(including lists such as ``["string", "null"]``), ``properties``/``required`` (all properties when
``additionalProperties`` is false, as strict schemas require), ``items``/``minItems``/``maxItems``,
``minimum``/``maximum``/``exclusiveMinimum``, ``minLength``/``maxLength``, common string ``format``s,
``anyOf``/``oneOf`` (first non-null branch), ``allOf`` (merged), and ``$ref`` into ``$defs``/``definitions``.
"""

from __future__ import annotations

from typing import Any

JSONValue = Any

_FORMATS = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "hostname": "example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
}
_MAX_DEPTH = 12


def instance(schema: JSONValue, *, root: JSONValue = None, depth: int = 0) -> JSONValue:
    """A value valid against ``schema`` (best effort for exotic keywords; exact for the common subset)."""
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    if "$ref" in schema:
        return instance(_resolve(root, str(schema["$ref"])), root=root, depth=depth + 1)
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            non_null = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            return instance((non_null or branches)[0], root=root, depth=depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            part = _resolve(root, part["$ref"]) if isinstance(part, dict) and "$ref" in part else part
            if isinstance(part, dict):
                merged |= {k: v for k, v in part.items() if k not in ("properties", "required")}
                merged.setdefault("properties", {}).update(part.get("properties") or {})
                merged.setdefault("required", []).extend(part.get("required") or [])
        return instance(merged, root=root, depth=depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    return _by_type(str(kind), schema, root, depth)


def _by_type(kind: str, schema: dict[str, Any], root: JSONValue, depth: int) -> JSONValue:
    if kind == "object":
        properties = schema.get("properties") or {}
        names = list(properties) if schema.get("additionalProperties") is False else schema.get("required") or []
        return {name: instance(properties.get(name, {}), root=root, depth=depth + 1) for name in names}
    if kind == "array":
        count = max(int(schema.get("minItems", 1)), 0)
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        return [instance(schema.get("items") or {}, root=root, depth=depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        value: float = 0
        if "minimum" in schema:
            value = schema["minimum"]
        if "exclusiveMinimum" in schema:
            value = schema["exclusiveMinimum"] + 1
        if "maximum" in schema and value > schema["maximum"]:
            value = schema["maximum"]
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = _FORMATS.get(str(schema.get("format")), "example")
    min_length, max_length = int(schema.get("minLength", 0)), schema.get("maxLength")
    text = text.ljust(min_length, "x")
    return text[: int(max_length)] if max_length is not None else text


def _resolve(root: JSONValue, ref: str) -> JSONValue:
    if not ref.startswith("#"):
        return {}
    node = root
    for part in ref.lstrip("#/").split("/"):
        if not part:
            continue
        if not isinstance(node, dict):
            return {}
        node = node.get(part.replace("~1", "/").replace("~0", "~"), {})
    return node
