"""YAML (or JSON) documents with positions, for loaders whose errors name ``file:line``.

Shared by scenario files and prompt files: parse a document keeping its node tree, find the line of a path
inside it, and list the files of given paths (directories searched recursively).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

SUFFIXES = (".yaml", ".yml", ".json")


def parse(text: str, *, source: str, error: Callable[[list[str]], Exception]) -> tuple[yaml.Node | None, Any]:
    """The node tree and the data of one document; invalid YAML raises ``error([message])``."""
    import yaml  # here: a server without scenario or prompt files never loads it (~15 ms of start-up)

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise error([f"{source}{line}: not valid YAML or JSON: {getattr(exc, 'problem', exc)}"]) from exc


def node_at(node: yaml.Node | None, path: Sequence[Any]) -> yaml.Node | None:
    """The deepest node along ``path`` (stopping where the path leaves the document)."""
    import yaml

    for part in path:
        found = None
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if str(getattr(k, "value", None)) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            found = node.value[part]
        if found is None:
            return node
        node = found
    return node


def line_of(root: yaml.Node | None, path: Sequence[Any]) -> str:
    """``:N``, the line of the deepest node along ``path``, or ``""`` when there is no document."""
    node = node_at(root, path)
    return f":{node.start_mark.line + 1}" if node is not None else ""


def files_in(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and every YAML/JSON file inside named directories (sorted, recursively)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()))
        else:
            found.append(path)
    return found
