"""Write the SDK snapshots: the facts the runtime reads from the pinned ``openai`` SDK, as plain Python data.

    python -m server.protocol.sdk_snapshot_build [--check]

Importing the SDK's types costs ~0.4 s of a ~1.4 s start-up (``openai.types.responses``' package ``__init__``
builds hundreds of pydantic models, and any ``from openai.types…`` import runs it), while the runtime only
*reads* them: the request TypedDicts (validated by ``server.protocol.sdk``), a few unions of them, the member
names of the output item models, and the model-name literals. This module reads those facts once, at build time,
and writes them to two generated modules the runtime imports instead:

* ``server/protocol/sdk_snapshot.py`` — TypedDicts, unions, output item members (see its docstring);
* ``scenarios/sdk_models.py`` — the model names (``scenarios`` does not import ``server``).

The output is deterministic and already in ``ruff format``'s style, so
``tests/unit/test_sdk_snapshot.py`` regenerates it and compares text: a new SDK pin with a stale snapshot
fails there, with this command in the message. ``--check`` does the same comparison without writing.

This module, the tests and ``server.pytest_plugin`` import the SDK; the server's start-up must not (a test in
``tests/unit/test_sdk_snapshot.py`` checks it in a fresh interpreter).
"""

from __future__ import annotations

import argparse
import collections.abc
import importlib
import json
import sys
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import openai
import typing_extensions
from openai.types.conversations.conversation_item import ConversationItem
from openai.types.responses.response_item import ResponseItem
from openai.types.responses.response_output_item import ResponseOutputItem
from openai.types.shared import chat_model, responses_model

COMMAND = "python -m server.protocol.sdk_snapshot_build"
ROOT = Path(__file__).resolve().parents[2]
PROTOCOL_OUTPUT = ROOT / "server" / "protocol" / "sdk_snapshot.py"
MODELS_OUTPUT = ROOT / "scenarios" / "sdk_models.py"

# The TypedDicts the runtime translates by name (``sdk.obj_for("…")`` in fields/create/items), as
# ``module.attribute`` under ``openai.types``. Everything they refer to is described too, transitively.
ROOT_TYPEDDICTS: tuple[str, ...] = (
    "responses.response_format_text_json_schema_config_param.ResponseFormatTextJSONSchemaConfigParam",
    "shared_params.response_format_text.ResponseFormatText",
    "shared_params.response_format_json_object.ResponseFormatJSONObject",
    "responses.response_create_params.PromptCacheOptions",
    "responses.response_create_params.Moderation",
    "responses.response_create_params.AccessPrograms",
    "responses.response_create_params.Image",
    "responses.response_prompt_param.ResponsePromptParam",
    "responses.response_compact_params.PromptCacheOptions",
    "responses.response_compact_params.Image",
    "responses.response_input_text_param.ResponseInputTextParam",
    "responses.response_input_image_param.ResponseInputImageParam",
    "responses.response_input_file_param.ResponseInputFileParam",
    "responses.response_input_audio_param.ResponseInputAudioParam",
    "responses.response_output_text_param.ResponseOutputTextParam",
    "responses.response_output_refusal_param.ResponseOutputRefusalParam",
)
# The union aliases the runtime reads the members of (tools, tool_choice, input items).
ROOT_UNIONS: tuple[str, ...] = (
    "responses.tool_param.ToolParam",
    "responses.response_create_params.ToolChoice",
    "responses.response_input_item_param.ResponseInputItemParam",
)
# The output/stored item unions whose members' names a replayed input item may carry (``items.py``).
OUTPUT_ITEM_UNIONS: tuple[object, ...] = (ResponseOutputItem, ResponseItem, ConversationItem)

_WRAPPERS = (typing.Required, typing.NotRequired, typing.Annotated)
_SEQUENCES = (list, collections.abc.Sequence, collections.abc.Iterable, collections.abc.MutableSequence)
_LEAVES: dict[object, str] = {str: "str", bool: "bool", int: "int", float: "float", object: "any"}
_TYPES_PREFIX = "openai.types."

Ann: typing.TypeAlias = str | tuple["Ann", ...]


# --------------------------------------------------------------------------------------------- reading the SDK


def _resolve(dotted: str) -> object:
    module, _, attribute = dotted.rpartition(".")
    return getattr(importlib.import_module(_TYPES_PREFIX + module), attribute)


def name_of(td: type) -> str:
    """A TypedDict's snapshot name: its defining module under ``openai.types`` and its qualified name."""
    if not td.__module__.startswith(_TYPES_PREFIX):
        raise TypeError(f"not an SDK type: {td!r}")
    return f"{td.__module__.removeprefix(_TYPES_PREFIX)}.{td.__qualname__}"


def _is_typeddict(annotation: object) -> bool:
    return isinstance(annotation, type) and typing_extensions.is_typeddict(annotation)


def _type_hints(td: type) -> dict[str, object]:
    """``typing.get_type_hints(td, include_extras=True)``, each member evaluated from its source text afresh.

    ``typing`` caches ``Union[…]``, ``Required[…]``, ``List[…]`` by their arguments, and ``Literal``s compare as
    sets: evaluating ``Required[Literal["a", "b"]]`` after ``Required[Literal["b", "a"]]`` returns the earlier
    object, values in *its* order. Which order a member got therefore depended on what the process had evaluated
    before (the runtime listed web_search_call's statuses in file_search_call's order). Clearing those caches
    before each member makes the snapshot the SDK's declared order, whatever ran first in this process.
    """
    hints: dict[str, object] = {}
    for name, ref in td.__annotations__.items():
        if not isinstance(ref, typing.ForwardRef) or ref.__forward_module__ is None:
            # Evaluated when the SDK module was imported (``async``, a keyword, is added outside the class body).
            hints[name] = ref
            continue
        for clear in typing._cleanups:  # type: ignore[attr-defined]  # the caches' own reset, used by CPython's tests
            clear()
        # What get_type_hints does with the same text and namespace (the text is the SDK's own annotation).
        hints[name] = eval(ref.__forward_arg__, vars(sys.modules[ref.__forward_module__]))
    return hints


class _Describer:
    """Describes annotations as data, queueing every TypedDict it meets so that it gets described too."""

    def __init__(self) -> None:
        self.pending: list[type] = []
        self.seen: set[type] = set()

    def ref(self, td: type) -> Ann:
        if td not in self.seen:
            self.seen.add(td)
            self.pending.append(td)
        return ("ref", name_of(td))

    def annotation(self, annotation: object) -> Ann:
        """One annotation (wrappers already stripped or not) as an ``Ann``; see ``sdk_snapshot``'s docstring."""
        origin = typing.get_origin(annotation)
        while origin in _WRAPPERS:
            annotation = typing.get_args(annotation)[0]
            origin = typing.get_origin(annotation)
        if origin is typing.Union or origin is types.UnionType:
            return ("union", *("none" if a is type(None) else self.annotation(a) for a in typing.get_args(annotation)))
        if origin is typing.Literal:
            values = typing.get_args(annotation)
            if not all(isinstance(v, str) for v in values):
                raise TypeError(f"unsupported non-string literal in SDK type: {annotation!r}")
            return ("literal", *values)
        if origin in _SEQUENCES:
            (element,) = typing.get_args(annotation) or (object,)
            return ("list", self.annotation(element))
        if origin is dict or origin is collections.abc.Mapping:
            return ("dict", self.annotation(typing.get_args(annotation)[1]))
        if _is_typeddict(annotation):
            assert isinstance(annotation, type)
            return self.ref(annotation)
        leaf = _LEAVES.get(annotation) if isinstance(annotation, type) else None
        if leaf is None:
            raise TypeError(f"unsupported SDK annotation: {annotation!r}")
        return leaf

    def members(self, td: type) -> dict[str, tuple[str, Ann]]:
        """Member → (``"required"``/``"optional"``, annotation), in the SDK's declaration order.

        Required-ness is read from the ``Required[...]`` wrapper, not ``__required_keys__``: the SDK's modules use
        ``from __future__ import annotations``, so on Python 3.11 every key of a ``total=False`` TypedDict is
        listed as optional there.
        """
        out: dict[str, tuple[str, Ann]] = {}
        for name, annotation in _type_hints(td).items():
            is_required = False
            while typing.get_origin(annotation) in _WRAPPERS:
                is_required = is_required or typing.get_origin(annotation) is typing.Required
                annotation = typing.get_args(annotation)[0]
            out[name] = ("required" if is_required else "optional", self.annotation(annotation))
        return out


def typeddicts_and_unions() -> tuple[dict[str, dict[str, tuple[str, Ann]]], dict[str, tuple[Ann, ...]]]:
    """Every TypedDict reachable from the roots (sorted by name), and each root union's members in SDK order."""
    describer = _Describer()
    unions: dict[str, tuple[Ann, ...]] = {}
    for dotted in ROOT_UNIONS:
        described = describer.annotation(_resolve(dotted))
        assert isinstance(described, tuple) and described[0] == "union", dotted
        unions[dotted] = described[1:]
    for dotted in ROOT_TYPEDDICTS:
        td = _resolve(dotted)
        assert isinstance(td, type) and _is_typeddict(td), dotted
        if name_of(td) != dotted:
            raise ValueError(f"{dotted} is defined as {name_of(td)}: list the defining module in ROOT_TYPEDDICTS")
        describer.ref(td)
    typeddicts: dict[str, dict[str, tuple[str, Ann]]] = {}
    while describer.pending:
        td = describer.pending.pop()
        typeddicts[name_of(td)] = describer.members(td)
    return dict(sorted(typeddicts.items())), unions


def _item_models(union: object) -> Iterator[typing.Any]:
    # Each union is ``Annotated[Union[Model, …], PropertyInfo(discriminator="type")]``.
    yield from typing.get_args(typing.get_args(union)[0])


def output_item_members() -> dict[str, tuple[str, ...]]:
    """Item type → every member name the SDK's output/stored item models carry for it (alias and field name).

    Both spellings, because the SDK's own replay (``transform`` → ``model_dump`` without aliases) sends an
    output item's ``async`` member back as ``async_``.
    """
    members: dict[str, set[str]] = {}
    for union in OUTPUT_ITEM_UNIONS:
        for model in _item_models(union):
            fields = model.model_fields
            for tag in typing.get_args(fields["type"].annotation):
                names = members.setdefault(tag, set())
                for key, info in fields.items():
                    names.update({key, info.alias or key})
    return {tag: tuple(sorted(names)) for tag, names in sorted(members.items())}


def item_types_requiring_status() -> tuple[str, ...]:
    """Item types whose stored form (the SDK's ``ResponseItem``) requires ``status``."""
    needing: set[str] = set()
    for model in _item_models(ResponseItem):
        fields = model.model_fields
        if "status" in fields and fields["status"].is_required():
            needing.update(typing.get_args(fields["type"].annotation))
    return tuple(sorted(needing))


def _literal_strings(alias: object) -> list[str]:
    """Every string literal inside a (possibly nested) ``Union``/``Literal`` type alias."""
    out: list[str] = []
    for arg in typing.get_args(alias):
        if isinstance(arg, str):
            out.append(arg)
        else:
            out.extend(_literal_strings(arg))
    return out


def model_names() -> tuple[str, ...]:
    """Every model name the SDK lists (``ChatModel``, then ``ResponsesModel``), in its order, without duplicates."""
    names = _literal_strings(chat_model.ChatModel) + _literal_strings(responses_model.ResponsesModel)
    return tuple(dict.fromkeys(names))


# --------------------------------------------------------------------------------------------- writing Python

LINE_LENGTH = 120  # pyproject's [tool.ruff] line-length


def _flat(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # double quotes, as ruff format writes them
    if isinstance(value, tuple):
        inner = ", ".join(_flat(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r}")


def _lines(value: object, indent: int, prefix: str = "", suffix: str = "", *, explode: bool = False) -> list[str]:
    """``value`` as ruff format lays it out: on one line if it fits, else one element a line, trailing comma.

    The trailing comma is ruff's "magic" one, so ruff keeps an exploded collection exploded even where a
    shorter rendering would fit; collections written on one line fit, so ruff leaves them too.
    """
    pad = " " * indent
    flat = pad + prefix + _flat(value) + suffix
    is_container = isinstance(value, tuple | dict) and len(value) > 0
    if not is_container or (not explode and len(flat) <= LINE_LENGTH):
        return [flat]
    opening, closing = ("{", "}") if isinstance(value, dict) else ("(", ")")
    out = [pad + prefix + opening]
    if isinstance(value, dict):
        for key, member in value.items():
            out += _lines(member, indent + 4, f"{_flat(key)}: ", ",")
    else:
        assert isinstance(value, tuple)
        for member in value:
            out += _lines(member, indent + 4, "", ",")
    out.append(pad + closing + suffix)
    return out


def _assignment(comment: str, name: str, annotation: str, value: object) -> list[str]:
    return [
        "",
        *(f"# {line}" for line in comment.split("\n")),
        *_lines(value, 0, f"{name}: {annotation} = ", explode=True),
    ]


def _header(docstring: str, *, imports: Sequence[str] = ()) -> list[str]:
    return [
        f"# Generated by `{COMMAND}` from openai=={openai.__version__}. Do not edit:",
        "# tests/unit/test_sdk_snapshot.py fails when this file differs from what that command writes.",
        f'"""{docstring}"""',
        "",
        "from __future__ import annotations",
        *([""] + list(imports) if imports else []),
    ]


_PROTOCOL_DOC = """The request-side facts of the pinned ``openai`` SDK, as data (read by ``server.protocol.sdk``).

An annotation (``Ann``) is one of:

* ``"str"``, ``"int"``, ``"float"``, ``"bool"``, ``"any"`` (``object``), ``"none"`` (only inside a union);
* ``("literal", value, …)`` — string literals;
* ``("list", Ann)`` — ``List``/``Iterable``/``Sequence`` of it; ``("dict", Ann)`` — ``Dict[str, Ann]``;
* ``("union", Ann, …)`` — in the SDK's order; ``"none"`` among them makes it ``Optional``;
* ``("ref", name)`` — the TypedDict ``TYPEDDICTS[name]``.

A TypedDict's name is its defining module under ``openai.types`` plus its qualified name. Each member is
``("required" | "optional", Ann)`` in declaration order, ``"required"`` meaning ``Required[...]`` in the SDK.
"""

_MODELS_DOC = "Every model name the pinned ``openai`` SDK lists (``ChatModel``, then ``ResponsesModel``), in its order."


def render_protocol() -> str:
    """The text of ``server/protocol/sdk_snapshot.py``."""
    typeddicts, unions = typeddicts_and_unions()
    lines = _header(_PROTOCOL_DOC, imports=["from typing import TypeAlias"])
    lines += [
        "",
        '# A recursive alias: a leaf name, or a tuple of a tag ("literal", "list", …) and its arguments.',
        'Ann: TypeAlias = "str | tuple[Ann, ...]"',
        "Member: TypeAlias = tuple[str, Ann]",
    ]
    lines += _assignment(
        "Request TypedDicts: name → member → (required-ness, annotation).",
        "TYPEDDICTS",
        "dict[str, dict[str, Member]]",
        typeddicts,
    )
    lines += _assignment(
        "Union aliases the runtime reads: name → members in the SDK's order.",
        "UNIONS",
        "dict[str, tuple[Ann, ...]]",
        unions,
    )
    lines += _assignment(
        "Output and stored item models (ResponseOutputItem, ResponseItem, ConversationItem): item type →\n"
        "every member name, by field name and by alias.",
        "OUTPUT_ITEM_MEMBERS",
        "dict[str, tuple[str, ...]]",
        output_item_members(),
    )
    lines += _assignment(
        "Item types whose ResponseItem model requires `status`.",
        "ITEM_TYPES_REQUIRING_STATUS",
        "tuple[str, ...]",
        item_types_requiring_status(),
    )
    return "\n".join(lines) + "\n"


def render_models() -> str:
    """The text of ``scenarios/sdk_models.py``."""
    lines = _header(_MODELS_DOC)
    lines += _assignment("In the SDK's order, without duplicates.", "MODEL_NAMES", "tuple[str, ...]", model_names())
    return "\n".join(lines) + "\n"


def outputs() -> dict[Path, str]:
    """Each generated file and the text it should have."""
    return {PROTOCOL_OUTPUT: render_protocol(), MODELS_OUTPUT: render_models()}


def stale(files: Iterable[tuple[Path, str]]) -> list[Path]:
    """The files whose text on disk is not ``text``."""
    return [path for path, text in files if not path.is_file() or path.read_text(encoding="utf-8") != text]


def main(argv: Sequence[str] | None = None) -> int:
    """Write the snapshots (or, with ``--check``, report the stale ones and exit 1)."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare with the files on disk; write nothing")
    args = parser.parse_args(argv)
    files = outputs()
    if args.check:
        out_of_date = stale(files.items())
        for path in out_of_date:
            print(f"{path.relative_to(ROOT)} is stale: run {COMMAND}", file=sys.stderr)
        return 1 if out_of_date else 0
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
