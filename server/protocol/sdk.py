"""Schema nodes derived from the pinned SDK's request TypedDicts.

The long tail of the request surface — 30-odd input item types, 16 tool types, their nested actions, filters
and containers — is described field by field in ``openai.types.responses.*_param``. Transcribing ~200
TypedDicts by hand would drift with every SDK pin, so they are translated once, lazily, into ``schema``
nodes: ``Required[...]`` → required member, ``Optional``/``None`` → nullable, ``Literal`` → enum,
``Union`` → kind-dispatched union (objects discriminated by their ``type`` literal), ``Iterable``/``List`` →
array, ``Dict`` → map. This mirrors how ``scenarios.catalogue`` builds its model list from the SDK.

Two deliberate deviations from the SDK types, both towards accepting:

* optional members also accept ``null`` — clients replay ``model_dump()``-ed output items, which carry
  explicit nulls, and the real API accepts them where observed (§B.3 replay rows);
* a few members the SDK marks ``Required`` are optional here because the real API (and OpenAI's own docs
  examples) accept them omitted — see ``_RELAXED``.

Hand-written rules with observed wording (messages, content parts, reasoning, text, tool_choice…) live in
the sibling modules and take precedence over anything derived here.
"""

from __future__ import annotations

import collections.abc
import types
import typing
from collections.abc import Sequence

import typing_extensions
from openai.types.responses import (
    function_tool_param,
    response_function_shell_call_output_content_param,
    response_input_image_param,
    response_input_item_param,
    response_output_text_param,
)

from server.protocol.schema import (
    ANY,
    BOOL,
    INT,
    NUM,
    STR,
    AnyValue,
    Arr,
    Enum,
    Field,
    FirstMatch,
    Int,
    Map,
    Node,
    Num,
    Obj,
    OneOf,
    Str,
    Tagged,
    optional,
    required,
)

# Function names: pattern observed verbatim in a gpt-5.6-terra capture (`tools[4].name`); the 64-character
# cap is the documented limit, its wording the API's usual maxLength message [inferred].
TOOL_NAME = Str(max_length=64, pattern="^[a-zA-Z0-9_-]+$")

# (TypedDict, member) → replacement member. Keys are classes, so a renamed SDK type fails loudly at import.
_REPLACED: dict[tuple[type, str], Field] = {
    (function_tool_param.FunctionToolParam, "name"): required(TOOL_NAME),
    # The SDK says Required[Optional[...]]; the observed accepted body `{"type":"function","name":"f",
    # "parameters":{…}}` omits `strict`, and function tools without `parameters` are documented as valid.
    (function_tool_param.FunctionToolParam, "parameters"): optional(Map(ANY)),
    (function_tool_param.FunctionToolParam, "strict"): optional(BOOL),
    # Optional in the SDK, but the server cannot pair an output without it: the usual missing-parameter 400
    # [inferred wording, the family's].
    (response_input_item_param.FunctionCallOutput, "call_id"): required(STR),
}

# Members the SDK marks Required that the server accepts omitted: `detail` on images (docs examples send
# `{"type":"input_image","image_url":…}`), `annotations` on replayed output_text.
_RELAXED: frozenset[tuple[type, str]] = frozenset(
    {
        (response_input_image_param.ResponseInputImageParam, "detail"),
        (response_output_text_param.ResponseOutputTextParam, "annotations"),
    }
)

# Output-only members that replayed output items carry below the item level (the item level itself is
# handled in ``items.py`` from the SDK's output models).
_EXTRA: dict[type, tuple[str, ...]] = {
    response_function_shell_call_output_content_param.ResponseFunctionShellCallOutputContentParam: ("created_by",),
}

_WRAPPERS = (typing.Required, typing.NotRequired, typing.Annotated)
_SEQUENCES = (list, collections.abc.Sequence, collections.abc.Iterable, collections.abc.MutableSequence)
_cache: dict[type, Obj] = {}


class Nullable(Node):
    """An element that may be JSON null (``List[Optional[X]]``)."""

    def __init__(self, inner: Node) -> None:
        self.inner = inner
        self.expected = inner.expected
        self.kinds = inner.kinds

    def check(self, value: object, path: str) -> None:
        if value is not None:
            self.inner.check(value, path)


def obj_for(td: type) -> Obj:
    """The closed object node for one SDK TypedDict (cached; recursion-safe)."""
    node = _cache.get(td)
    if node is not None:
        return node
    node = Obj()
    _cache[td] = node  # registered before its members so self-references resolve
    fields: dict[str, Field] = {}
    for name, annotation in typing.get_type_hints(td, include_extras=True).items():
        replaced = _REPLACED.get((td, name))
        if replaced is not None:
            fields[name] = replaced
            continue
        is_required = False
        while typing.get_origin(annotation) in _WRAPPERS:
            is_required = is_required or typing.get_origin(annotation) is typing.Required
            annotation = typing.get_args(annotation)[0]
        if (td, name) in _RELAXED:
            is_required = False
        member, nullable = node_for(annotation)
        fields[name] = Field(member, required=is_required, nullable=nullable or not is_required)
        if name == "async":
            # The SDK's own replay of a dumped output model spells this member `async_` (no by_alias).
            fields["async_"] = optional(member)
    for name in _EXTRA.get(td, ()):
        fields.setdefault(name, optional(ANY))
    return node.define(fields)


def node_for(annotation: object) -> tuple[Node, bool]:
    """The node for one SDK annotation, and whether it admits ``None``."""
    origin = typing.get_origin(annotation)
    while origin in _WRAPPERS:
        annotation = typing.get_args(annotation)[0]
        origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = typing.get_args(annotation)
        members = [node_for(a)[0] for a in args if a is not type(None)]
        return union_of(members), type(None) in args
    if origin is typing.Literal:
        values = typing.get_args(annotation)
        if not all(isinstance(v, str) for v in values):
            raise TypeError(f"unsupported non-string literal in SDK type: {annotation!r}")
        return Enum([str(v) for v in values]), False
    if origin in _SEQUENCES:
        (element,) = typing.get_args(annotation) or (object,)
        item, nullable = node_for(element)
        return Arr(Nullable(item) if nullable else item), False
    if origin is dict or origin is collections.abc.Mapping:
        value, nullable = node_for(typing.get_args(annotation)[1])
        return Map(Nullable(value) if nullable else value), False
    if annotation is str:
        return STR, False
    if annotation is bool:
        return BOOL, False
    if annotation is int:
        return INT, False
    if annotation is float:
        return NUM, False
    if annotation is object:
        return ANY, False
    if isinstance(annotation, type) and typing_extensions.is_typeddict(annotation):
        return obj_for(annotation), False
    raise TypeError(f"unsupported SDK annotation: {annotation!r}")


def _discriminator(node: Node) -> tuple[str, ...] | None:
    if isinstance(node, Obj):
        tag = node.fields.get("type")
        if tag is not None and isinstance(tag.node, Enum):
            return tag.node.listed
    return None


def tagged(members: Sequence[Obj], *, listed: Sequence[str] | None = None, **kwargs: typing.Any) -> Tagged:
    """A ``type``-discriminated union of object nodes (first declaration wins a duplicated tag)."""
    variants: dict[str, Obj] = {}
    for member in members:
        for tag in _discriminator(member) or ():
            variants.setdefault(tag, member)
    return Tagged(variants, listed=listed, **kwargs)


def union_of(members: Sequence[Node]) -> Node:
    """Collapse SDK union members into one node per JSON kind, then a kind-dispatched ``OneOf``."""
    if any(isinstance(m, AnyValue) for m in members):
        return ANY
    buckets: dict[str, list[Node]] = {}
    for m in members:
        if isinstance(m, Nullable):
            m = m.inner
        if isinstance(m, Str | Enum):
            key = "string"
        elif isinstance(m, Int | Num):
            key = "number"
        elif isinstance(m, Arr):
            key = "array"
        elif m.kinds == BOOL.kinds:
            key = "boolean"
        else:
            key = "object"
        buckets.setdefault(key, []).append(m)
    merged: list[Node] = []
    for key, group in buckets.items():
        if len(group) == 1:
            merged.append(group[0])
        elif key == "string":
            # `Union[str, Literal[...]]` is an open string (e.g. reasoning.mode, image size).
            plain = [g for g in group if isinstance(g, Str)]
            merged.append(plain[0] if plain else Enum([v for g in group if isinstance(g, Enum) for v in g.listed]))
        elif key == "number":
            merged.append(next((g for g in group if isinstance(g, Num)), group[0]))
        elif key == "object" and all(isinstance(g, Obj) and _discriminator(g) for g in group):
            merged.append(tagged([g for g in group if isinstance(g, Obj)]))
        else:
            merged.append(FirstMatch(group))
    return merged[0] if len(merged) == 1 else OneOf(merged)
