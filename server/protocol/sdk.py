"""Schema nodes derived from the pinned SDK's request TypedDicts.

The long tail of the request surface — 30-odd input item types, 16 tool types, their nested actions, filters
and containers — is described field by field in ``openai.types.responses.*_param``. Transcribing ~200
TypedDicts by hand would drift with every SDK pin, so they are translated into ``schema`` nodes: required
member → required, ``Optional``/``None`` → nullable, ``Literal`` → enum, ``Union`` → kind-dispatched union
(objects discriminated by their ``type`` literal), ``Iterable``/``List`` → array, ``Dict`` → map.

The TypedDicts are read from ``sdk_snapshot`` — the SDK's annotations written out as data by
``python -m server.protocol.sdk_snapshot_build`` — not from the SDK itself: importing ``openai.types`` costs
~0.4 s of start-up, and ``tests/unit/test_sdk_snapshot.py`` keeps the snapshot equal to the pinned SDK. The
same goes for ``scenarios.catalogue``'s model names (``scenarios.sdk_models``).

Two deliberate deviations from the SDK types, both towards accepting:

* optional members also accept ``null`` — clients replay ``model_dump()``-ed output items, which carry
  explicit nulls, and the real API accepts them where observed (§B.3 replay rows);
* a few members the SDK marks ``Required`` are optional here because the real API (and OpenAI's own docs
  examples) accept them omitted — see ``_RELAXED``.

Hand-written rules with observed wording (messages, content parts, reasoning, text, tool_choice…) live in
the sibling modules and take precedence over anything derived here.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence

from server.protocol import sdk_snapshot
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
from server.protocol.sdk_snapshot import Ann

# Function names: pattern observed verbatim in a gpt-5.6-terra capture (`tools[4].name`); the 64-character
# cap is the documented limit, its wording the API's usual maxLength message [inferred].
TOOL_NAME = Str(max_length=64, pattern="^[a-zA-Z0-9_-]+$")

# The snapshot names of the TypedDicts the rules below refer to.
FUNCTION_TOOL = "responses.function_tool_param.FunctionToolParam"
FUNCTION_CALL_OUTPUT = "responses.response_input_item_param.FunctionCallOutput"
INPUT_IMAGE = "responses.response_input_image_param.ResponseInputImageParam"
OUTPUT_TEXT = "responses.response_output_text_param.ResponseOutputTextParam"
SHELL_CALL_OUTPUT_CONTENT = (
    "responses.response_function_shell_call_output_content_param.ResponseFunctionShellCallOutputContentParam"
)

# (TypedDict, member) → replacement member. ``_check_rules`` fails the import if the snapshot lacks one.
_REPLACED: dict[tuple[str, str], Field] = {
    (FUNCTION_TOOL, "name"): required(TOOL_NAME),
    # The SDK says Required[Optional[...]]; the observed accepted body `{"type":"function","name":"f",
    # "parameters":{…}}` omits `strict`, and function tools without `parameters` are documented as valid.
    (FUNCTION_TOOL, "parameters"): optional(Map(ANY)),
    (FUNCTION_TOOL, "strict"): optional(BOOL),
    # Optional in the SDK, but the server cannot pair an output without it: the usual missing-parameter 400
    # [inferred wording, the family's].
    (FUNCTION_CALL_OUTPUT, "call_id"): required(STR),
}

# Members the SDK marks Required that the server accepts omitted: `detail` on images (docs examples send
# `{"type":"input_image","image_url":…}`), `annotations` on replayed output_text.
_RELAXED: frozenset[tuple[str, str]] = frozenset({(INPUT_IMAGE, "detail"), (OUTPUT_TEXT, "annotations")})

# Output-only members that replayed output items carry below the item level (the item level itself is
# handled in ``items.py`` from the SDK's output models).
_EXTRA: dict[str, tuple[str, ...]] = {SHELL_CALL_OUTPUT_CONTENT: ("created_by",)}

_LEAVES: dict[str, Node] = {"str": STR, "bool": BOOL, "int": INT, "float": NUM, "any": ANY}
_cache: dict[str, Obj] = {}


def _check_rules() -> None:
    # The rules above are keyed by name, so a TypedDict or member renamed by a new SDK pin (and snapshot) must
    # fail loudly here rather than leave a rule that silently no longer applies.
    for td, member in (*_REPLACED, *_RELAXED, *((td, None) for td in _EXTRA)):
        members = sdk_snapshot.TYPEDDICTS.get(td)
        if members is None or (member is not None and member not in members):
            raise LookupError(f"sdk.py names {td}{'.' + member if member else ''}, which the SDK snapshot lacks")


_check_rules()


class Nullable(Node):
    """An element that may be JSON null (``List[Optional[X]]``)."""

    def __init__(self, inner: Node) -> None:
        self.inner = inner
        self.expected = inner.expected
        self.kinds = inner.kinds

    def check(self, value: object, path: str) -> None:
        if value is not None:
            self.inner.check(value, path)


def obj_for(name: str) -> Obj:
    """The closed object node for one SDK TypedDict, by snapshot name (cached; recursion-safe)."""
    node = _cache.get(name)
    if node is not None:
        return node
    members = sdk_snapshot.TYPEDDICTS.get(name)
    if members is None:
        raise LookupError(
            f"{name} is not in the SDK snapshot: add it to ROOT_TYPEDDICTS in server/protocol/sdk_snapshot_build.py "
            "and run python -m server.protocol.sdk_snapshot_build"
        )
    node = Obj()
    _cache[name] = node  # registered before its members so self-references resolve
    fields: dict[str, Field] = {}
    for member, (requirement, annotation) in members.items():
        replaced = _REPLACED.get((name, member))
        if replaced is not None:
            fields[member] = replaced
            continue
        is_required = requirement == "required" and (name, member) not in _RELAXED
        value, nullable = node_for(annotation)
        fields[member] = Field(value, required=is_required, nullable=nullable or not is_required)
        if member == "async":
            # The SDK's own replay of a dumped output model spells this member `async_` (no by_alias).
            fields["async_"] = optional(value)
    for extra in _EXTRA.get(name, ()):
        fields.setdefault(extra, optional(ANY))
    return node.define(fields)


def node_for(annotation: Ann) -> tuple[Node, bool]:
    """The node for one snapshot annotation (``sdk_snapshot.Ann``), and whether it admits ``None``."""
    if isinstance(annotation, str):
        leaf = _LEAVES.get(annotation)
        if leaf is None:
            raise TypeError(f"unsupported SDK annotation: {annotation!r}")
        return leaf, False
    tag, *args = annotation
    if tag == "union":
        members = [node_for(a)[0] for a in args if a != "none"]
        return union_of(members), "none" in args
    if tag == "literal":
        return Enum([_text(v) for v in args]), False
    if tag == "list":
        item, nullable = node_for(args[0])
        return Arr(Nullable(item) if nullable else item), False
    if tag == "dict":
        value, nullable = node_for(args[0])
        return Map(Nullable(value) if nullable else value), False
    if tag == "ref":
        return obj_for(_text(args[0])), False
    raise TypeError(f"unsupported SDK annotation: {annotation!r}")


def typeddicts_in(union: str) -> list[str]:
    """The snapshot names of the TypedDicts among one SDK union's members (``sdk_snapshot.UNIONS``), in order."""
    return [
        _text(member[1]) for member in sdk_snapshot.UNIONS[union] if isinstance(member, tuple) and member[0] == "ref"
    ]


def _text(annotation: Ann) -> str:
    if not isinstance(annotation, str):
        raise TypeError(f"expected a name or literal value in the SDK snapshot, got {annotation!r}")
    return annotation


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
