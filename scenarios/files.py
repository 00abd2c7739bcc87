"""Loading scenario files: YAML (or JSON), validated whole, with errors that name file:line, scenario and step.

weather.yaml:14: scenario 'weather-agent': turns[1].output[0].function_call.name: Field required
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from scenarios.spec import ScenarioFileSpec, ScenarioSpec
from scenarios.yaml_documents import files_in, node_at, parse

if TYPE_CHECKING:
    import yaml

__all__ = ["LoadedScenario", "ScenarioLoadError", "load_paths", "load_text", "scenario_files"]


class ScenarioLoadError(ValueError):
    """A scenario source is invalid; ``problems`` holds one line per error, each naming where it is."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class LoadedScenario:
    spec: ScenarioSpec
    source: str  # "file:line" of the scenario, for listings and error messages


def _normalise(data: Any) -> tuple[Any, tuple[Any, ...]]:
    """The data as ``{"scenarios": [...]}`` and the loc prefix that maps it back onto the original document."""
    if isinstance(data, list):
        return {"scenarios": data}, ("scenarios",)
    if isinstance(data, dict) and "scenarios" not in data and ("turns" in data or "name" in data):
        return {"scenarios": [data]}, ("scenarios", 0)
    return data, ()


def _readable_path(data: Any, loc: Sequence[Any]) -> tuple[list[Any], str]:
    """Walk ``loc`` through the data, dropping pydantic's union tags; returns the data path and its text."""
    path: list[Any] = []
    text = ""
    for n, part in enumerate(loc):
        exists = (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and part < len(data)
        )
        if not exists and n != len(loc) - 1:
            continue  # a union member's name, e.g. 'str' or 'MessageSpec'
        path.append(part)
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        data = data[part] if exists else None
    return path, text


def _problems(
    exc: ValidationError, data: Any, root: yaml.Node | None, source: str, prefix: tuple[Any, ...]
) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        path, _ = _readable_path(data, loc)
        where = ""
        if len(path) >= 2 and path[0] == "scenarios" and isinstance(path[1], int):
            scenario = data["scenarios"][path[1]]
            name = scenario.get("name") if isinstance(scenario, dict) else None
            where = f"scenario '{name}': " if name else f"scenario #{path[1] + 1}: "
            _, step = _readable_path(scenario, loc[2:])
        else:
            _, step = _readable_path(data, loc)
        node = node_at(root, _original_path(prefix, path))
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        problems.append(f"{source}{line}: {where}{step or '(top level)'}: {error['msg']}")
    return problems


def _original_path(prefix: tuple[Any, ...], path: Sequence[Any]) -> list[Any]:
    # Undo _normalise: a bare list or single scenario has no "scenarios" key (and no index) in the document.
    return list(path[len(prefix) :]) if prefix and list(path[: len(prefix)]) == list(prefix) else list(path)


def load_text(text: str, *, source: str = "<text>") -> list[LoadedScenario]:
    """Parse and validate one document; raises ``ScenarioLoadError`` listing every problem."""
    root, data = parse(text, source=source, error=ScenarioLoadError)
    normalised, prefix = _normalise(data)
    try:
        spec = ScenarioFileSpec.model_validate(normalised)
    except ValidationError as exc:
        raise ScenarioLoadError(_problems(exc, normalised, root, source, prefix)) from exc
    loaded = []
    seen: set[str] = set()
    for index, scenario in enumerate(spec.scenarios):
        node = node_at(root, _original_path(prefix, ["scenarios", index]))
        where = f"{source}:{node.start_mark.line + 1}" if node is not None else source
        if scenario.name in seen:
            raise ScenarioLoadError([f"{where}: scenario '{scenario.name}': name: used twice in one file"])
        seen.add(scenario.name)
        loaded.append(LoadedScenario(spec=scenario, source=where))
    return loaded


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and every scenario file inside named directories (sorted, recursively)."""
    return files_in(paths)


def load_paths(paths: Iterable[Path]) -> list[LoadedScenario]:
    """Load every file; all problems of all files are reported together."""
    loaded: list[LoadedScenario] = []
    problems: list[str] = []
    for path in scenario_files(paths):
        try:
            loaded.extend(load_text(path.read_text(encoding="utf-8"), source=str(path)))
        except ScenarioLoadError as exc:
            problems.extend(exc.problems)
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror}")
    names: dict[str, str] = {}
    for scenario in loaded:
        if scenario.spec.name in names:
            first = names[scenario.spec.name]
            problems.append(f"{scenario.source}: scenario '{scenario.spec.name}': name: already defined at {first}")
        names[scenario.spec.name] = scenario.source
    if problems:
        raise ScenarioLoadError(problems)
    return loaded
