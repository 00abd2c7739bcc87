"""A tiny declarative schema language walked over raw JSON, raising the real API's first error.

Every node checks one JSON value at a ``path`` (the API's own spelling: ``tools[0].name``) and raises
``InvalidRequestError`` worded as in ``wording.py``. Objects check required members, then unknown members,
then member values in declaration order; arrays check elements in index order; unions dispatch on the JSON
kind of the value (objects on their ``type`` member).

Nodes are plain objects with a ``check`` method: no model construction, no copies, one ``isinstance`` per
value in the common case, because this runs on every request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from server.errors import InvalidRequestError
from server.protocol.wording import (
    MISSING,
    at,
    bad_value,
    join,
    listing,
    missing,
    no_match,
    out_of_range,
    too_long,
    unknown,
    wrong_type,
)

# JSON kinds a node can accept; used by unions to pick the branch that matches a value.
STRING, INTEGER, NUMBER, BOOLEAN, OBJECT, ARRAY = "string", "integer", "number", "boolean", "object", "array"
ALL_KINDS = frozenset({STRING, INTEGER, NUMBER, BOOLEAN, OBJECT, ARRAY})


def json_kind(value: object) -> str | None:
    """The schema kind of a JSON value (``None`` for null)."""
    if value is None:
        return None
    if value is True or value is False:
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        return ARRAY
    return OBJECT


# ---------------------------------------------------------------------------------------------- nodes


class Node:
    """One schema node. ``expected`` is the phrase used in type errors; ``kinds`` drives union dispatch."""

    expected: str = "a value"
    kinds: frozenset[str] = ALL_KINDS
    # How the node reads inside a union's "expected one of …" phrase.
    member_text: str | None = None

    def check(self, value: object, path: str) -> None:
        raise NotImplementedError

    def as_member(self) -> str:
        return self.member_text if self.member_text is not None else self.expected


class AnyValue(Node):
    """Anything, including null (free-form JSON such as a JSON schema's inner keywords)."""

    expected = "a value"

    def check(self, value: object, path: str) -> None:
        return None


class Str(Node):
    """A string, optionally bounded in length or matched against a pattern."""

    kinds = frozenset({STRING})

    def __init__(
        self, *, max_length: int | None = None, pattern: str | None = None, expected: str = "a string"
    ) -> None:
        self.expected = expected
        self.max_length = max_length
        self.pattern = pattern
        self._regex = re.compile(pattern) if pattern else None

    def check(self, value: object, path: str) -> None:
        if not isinstance(value, str):
            raise wrong_type(path, self.expected, value)
        if self.max_length is not None and len(value) > self.max_length:
            raise too_long(path, len(value), self.max_length)
        if self._regex is not None and not self._regex.fullmatch(value):
            raise no_match(path, self.pattern or "")


class Bool(Node):
    """A real JSON boolean (``"yes"``, ``1`` → invalid_type)."""

    expected = "a boolean"
    kinds = frozenset({BOOLEAN})

    def check(self, value: object, path: str) -> None:
        if value is not True and value is not False:
            raise wrong_type(path, self.expected, value)


class Int(Node):
    """A JSON integer (a decimal such as ``16.5`` or ``16.0`` is a type error) within optional bounds."""

    expected = "an integer"
    kinds = frozenset({INTEGER})

    def __init__(self, *, minimum: int | None = None, maximum: int | None = None) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def check(self, value: object, path: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise wrong_type(path, self.expected, value)
        if self.minimum is not None and value < self.minimum:
            raise out_of_range(path, value, self.minimum, integer=True, below=True)
        if self.maximum is not None and value > self.maximum:
            raise out_of_range(path, value, self.maximum, integer=True, below=False)


class Num(Node):
    """A JSON number (integers allowed) within optional bounds; the API calls it "a decimal"."""

    expected = "a decimal"
    kinds = frozenset({INTEGER, NUMBER})

    def __init__(self, *, minimum: float | None = None, maximum: float | None = None) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def check(self, value: object, path: str) -> None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise wrong_type(path, self.expected, value)
        if isinstance(value, float) and not math.isfinite(value):
            raise wrong_type(path, self.expected, value)
        if self.minimum is not None and value < self.minimum:
            raise out_of_range(path, value, self.minimum, integer=False, below=True)
        if self.maximum is not None and value > self.maximum:
            raise out_of_range(path, value, self.maximum, integer=False, below=False)


class Enum(Node):
    """A string from a fixed set.

    ``accepted`` may be wider than ``listed``: the SDK can send values (e.g. ``service_tier: "scale"``) that the
    server's error message does not list; those must pass, while the message stays verbatim.
    """

    kinds = frozenset({STRING})

    def __init__(self, listed: Sequence[str], *, accepted: Iterable[str] = (), expected: str | None = None) -> None:
        self.listed = tuple(listed)
        self.accepted = frozenset(self.listed) | frozenset(accepted)
        self.member_text = listing(self.listed, "or")
        self.expected = expected or f"one of {self.member_text}"

    def check(self, value: object, path: str) -> None:
        if not isinstance(value, str):
            raise wrong_type(path, self.expected, value)
        if value not in self.accepted:
            raise bad_value(path, value, self.listed)


@dataclass(frozen=True, slots=True)
class Field:
    """One member of an object: its node, whether it must be present, whether JSON null is allowed."""

    node: Node
    required: bool = False
    nullable: bool = True


class Obj(Node):
    """An object with known members, checked in this order: required present → no unknown keys → members.

    "Missing beats unknown" is observed (a chat-shaped tool ``{type, function}`` reports the missing
    ``name``, not the unknown ``function``); members are then checked in declaration order.
    """

    kinds = frozenset({OBJECT})

    def __init__(
        self, fields: Mapping[str, Field] | None = None, *, closed: bool = True, expected: str = "an object"
    ) -> None:
        self.expected = expected
        self.closed = closed
        self.fields: dict[str, Field] = {}
        self.required: tuple[str, ...] = ()
        if fields:
            self.define(fields)

    def define(self, fields: Mapping[str, Field]) -> Obj:
        """(Re)define members; separate from ``__init__`` so recursive schemas can refer to themselves."""
        self.fields = dict(fields)
        self.required = tuple(name for name, f in self.fields.items() if f.required)
        return self

    def check(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise wrong_type(path, self.expected, value)
        self.check_members(value, path)

    def check_members(self, value: dict[str, object], path: str) -> None:
        for name in self.required:
            if name not in value:
                raise missing(join(path, name))
        fields = self.fields
        if self.closed:
            for key in value:
                if key not in fields:
                    raise unknown(join(path, key))
        for name, f in fields.items():
            member = value.get(name, MISSING)
            if member is MISSING or (member is None and f.nullable):
                continue
            f.node.check(member, join(path, name))


class Arr(Node):
    """An array whose elements all match ``item``; elements are reported as ``path[i]``."""

    kinds = frozenset({ARRAY})

    def __init__(self, item: Node, *, expected: str = "an array") -> None:
        self.item = item
        self.expected = expected

    def check(self, value: object, path: str) -> None:
        if not isinstance(value, list):
            raise wrong_type(path, self.expected, value)
        item = self.item
        for i, element in enumerate(value):
            item.check(element, at(path, i))


class Map(Node):
    """An object with arbitrary keys whose values all match ``value`` (``Dict[str, X]`` in the SDK)."""

    kinds = frozenset({OBJECT})

    def __init__(self, value: Node, *, expected: str = "an object") -> None:
        self.value = value
        self.expected = expected

    def check(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise wrong_type(path, self.expected, value)
        if isinstance(self.value, AnyValue):
            return
        for key, member in value.items():
            self.value.check(member, join(path, key))


class Tagged(Node):
    """Objects discriminated by their ``type`` member.

    A missing ``type`` is a missing parameter (observed: ``tools[0].type``); an unknown one is an
    ``invalid_value`` listing ``listed`` at ``path.type`` (observed for content parts; input items, which
    report at their own path, are dispatched by hand in ``items.py``).
    """

    kinds = frozenset({OBJECT})

    def __init__(
        self,
        variants: Mapping[str, Obj],
        *,
        listed: Sequence[str] | None = None,
        expected: str = "an object",
    ) -> None:
        self.variants = dict(variants)
        self.listed = tuple(listed) if listed is not None else tuple(self.variants)
        self.expected = expected

    def check(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise wrong_type(path, self.expected, value)
        tag = value.get("type", MISSING)
        if tag is MISSING:
            raise missing(join(path, "type"))
        variant = self.variants.get(tag) if isinstance(tag, str) else None
        if variant is None:
            raise bad_value(join(path, "type"), tag, self.listed)
        variant.check_members(value, path)


class OneOf(Node):
    """A union of differently-typed members, dispatched on the JSON kind of the value.

    A value matching no member is a type error ``expected one of <a> or <b>``. JSON null is reported against
    the first member alone — the observed ``input: null`` reads "expected a string" — which is assumed for
    every union [inferred beyond ``input``].
    """

    def __init__(self, members: Sequence[Node], *, expected: str | None = None) -> None:
        self.members = tuple(members)
        kinds: set[str] = set()
        for m in self.members:
            kinds |= m.kinds
        self.kinds = frozenset(kinds)
        self.expected = expected or "one of " + " or ".join(m.as_member() for m in self.members)

    def check(self, value: object, path: str) -> None:
        if value is None:
            raise wrong_type(path, self.members[0].expected, value)
        kind = json_kind(value)
        for member in self.members:
            if kind in member.kinds:
                member.check(value, path)
                return
        raise wrong_type(path, self.expected, value)


class FirstMatch(Node):
    """Same-kind alternatives without a discriminator: the first that accepts wins, else the first's error."""

    def __init__(self, members: Sequence[Node]) -> None:
        self.members = tuple(members)
        self.expected = self.members[0].expected
        kinds: set[str] = set()
        for m in self.members:
            kinds |= m.kinds
        self.kinds = frozenset(kinds)

    def check(self, value: object, path: str) -> None:
        first: InvalidRequestError | None = None
        for member in self.members:
            try:
                member.check(value, path)
                return
            except InvalidRequestError as exc:
                first = first or exc
        assert first is not None
        raise first


class Custom(Node):
    """A hand-written check with the node interface (for the few rules no declarative node can say)."""

    def __init__(
        self,
        fn: Callable[[object, str], None],
        *,
        expected: str = "a value",
        kinds: frozenset[str] = ALL_KINDS,
    ) -> None:
        self.fn = fn
        self.expected = expected
        self.kinds = kinds

    def check(self, value: object, path: str) -> None:
        self.fn(value, path)


# Shared leaf instances (nodes are immutable once built).
ANY = AnyValue()
STR = Str()
BOOL = Bool()
INT = Int()
NUM = Num()


def required(node: Node, *, nullable: bool = False) -> Field:
    return Field(node, required=True, nullable=nullable)


def optional(node: Node, *, nullable: bool = True) -> Field:
    return Field(node, required=False, nullable=nullable)
