"""Where the emulator's document differs from the official spec, and why.

The official ``openapi.yaml`` lags the ``openai`` SDK the emulator conforms to (3.51.0); where the two
disagree, the SDK's types win and the served document says what the emulator really sends. Each deviation
is one small function with its reason; ``apply_deviations`` runs them all on the extracted document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Json = dict[str, Any]


def error_responses(paths: Json, components: Json) -> None:
    """Errors are documented: the spec lists only 200 and 429, but the real API (and the emulator) answer
    400, 401, 404, 409, 413 ... in the same ``{"error": {...}}`` envelope. ``default`` says so, so a client (or
    schemathesis) can check error bodies instead of flagging every 4xx as undocumented."""
    components["responses"]["Error"] = {
        "description": "An error, in the OpenAI envelope: {error: {message, type, param, code}}.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for operations in paths.values():
        for operation in operations.values():
            operation["responses"].setdefault("default", {"$ref": "#/components/responses/Error"})


def enveloped_errors(paths: Json, components: Json) -> None:
    """The spec's 404s (delete, cancel) give the bare ``Error`` object; the real body, like every error, is
    the envelope ``{"error": Error}`` (the SDK reads ``body["error"]``)."""
    for operations in paths.values():
        for operation in operations.values():
            for answer in operation["responses"].values():
                for media in answer.get("content", {}).values():
                    if media.get("schema") == {"$ref": "#/components/schemas/Error"}:
                        media["schema"] = {"$ref": "#/components/schemas/ErrorResponse"}


def discriminator_mappings(paths: Json, components: Json) -> None:
    """The spec's discriminators have no ``mapping``, so by OpenAPI's rule each branch's value is its schema
    *name* (``CompactionBody``), which no payload carries: the real values are the branches' ``type`` enums
    (``compaction``), as the SDK's unions say. Spell the mapping out where every branch is a ``$ref`` with one
    value; elsewhere (``allOf`` branches, several values, inline branches) drop the keyword: ``oneOf`` and
    ``anyOf`` still validate each payload against every branch."""
    schemas = components["schemas"]

    def value_of(branch: Json, prop: str) -> str | None:
        target = schemas.get(str(branch.get("$ref", "")).removeprefix("#/components/schemas/"), {})
        spec = target.get("properties", {}).get(prop, {})
        values = spec.get("enum") or ([spec["const"]] if "const" in spec else [])
        return values[0] if len(values) == 1 and isinstance(values[0], str) else None

    def visit(node: object) -> None:
        if isinstance(node, list):
            for child in node:
                visit(child)
        if not isinstance(node, dict):
            return
        discriminator = node.get("discriminator")
        if isinstance(discriminator, dict) and "mapping" not in discriminator:
            branches = node.get("oneOf") or node.get("anyOf") or []
            values = [value_of(branch, discriminator["propertyName"]) for branch in branches]
            if branches and None not in values and len(set(values)) == len(values):
                pairs = zip(values, branches, strict=True)
                discriminator["mapping"] = {value: branch["$ref"] for value, branch in pairs}
            else:
                del node["discriminator"]
        for child in node.values():
            visit(child)

    visit(paths)
    visit(schemas)


# (schema, property): fields the spec types as non-null that the SDK types as ``Optional[...]`` and the
# emulator (like the real API) sends as ``null``. Each line names the SDK model that says so.
NULLABLE: tuple[tuple[str, str], ...] = (
    ("ModelResponseProperties", "user"),  # Response.user: Optional[str]
    ("TextResponseFormatJsonSchema", "description"),  # ResponseFormatTextJSONSchemaConfig.description
    ("Response", "usage"),  # Response.usage: Optional[ResponseUsage] (null until a response ends)
    # An empty page has no first or last id. The SDK types say `str`, but its paginators read only `data` and
    # `has_more`; null is what the real API's other cursor lists send (REFERENCE.md: inferred).
    ("ConversationItemList", "first_id"),
    ("ConversationItemList", "last_id"),
    ("ResponseItemList", "first_id"),
    ("ResponseItemList", "last_id"),
)


def sdk_nullable_fields(paths: Json, components: Json) -> None:
    """The SDK (3.51.0) wins over the stale spec: each ``NULLABLE`` field may also be ``null``."""
    for name, prop in NULLABLE:
        holder = _properties_holder(components["schemas"][name], prop)
        holder[prop] = {"anyOf": [holder[prop], {"type": "null"}]}


def _properties_holder(schema: Json, prop: str) -> Json:
    """The ``properties`` object that defines ``prop``: the schema's own, or one of its ``allOf`` parts'."""
    for part in [schema, *schema.get("allOf", [])]:
        if prop in part.get("properties", {}):
            properties: Json = part["properties"]
            return properties
    raise KeyError(f"no property {prop!r} in this schema (has the spec changed?)")


DEVIATIONS: tuple[Callable[[Json, Json], None], ...] = (
    error_responses,
    enveloped_errors,
    discriminator_mappings,
    sdk_nullable_fields,
)


def apply_deviations(paths: Json, components: Json) -> None:
    """Apply every deviation, in order, to the extracted ``paths`` and the spec's ``components`` (in place)."""
    for deviation in DEVIATIONS:
        deviation(paths, components)
