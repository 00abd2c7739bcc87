"""Prompt template files: YAML (or JSON), validated whole at start-up, errors naming file:line and prompt.

```yaml
id: pmpt_weather                 # what requests send as prompt.id
versions:
  "1":
    instructions: "You are a weather assistant. Answer for {{city}}."
  "2":
    instructions: "You answer briefly about the weather in {{city}}."
    input:                       # input items placed before the request's own input
      - role: user
        content: "What's the weather in {{city}} today?"
```

A file holds one prompt (as above), a list of them, or ``prompts: [...]``. Every version has ``instructions``
or ``input`` (or both); ``input`` items are checked with the same rules as a request's ``input``. Version keys
are strings (YAML integers are accepted and read as strings). Problems read like
``prompts/weather.yaml:9: prompt 'pmpt_weather': versions.2: Missing required parameter: 'input[0].content'.``
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scenarios.yaml_documents import files_in, line_of, parse
from server.errors import APIError
from server.protocol import check_input_items

if TYPE_CHECKING:
    import yaml

JSONObject = dict[str, Any]


class PromptLoadError(ValueError):
    """Prompt files are invalid; ``problems`` holds one line per error, each naming where it is."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PromptVersionSpec(_Strict):
    instructions: str | None = Field(None, description="Instructions; used when the request sends none.")
    input: list[JSONObject] = Field(default_factory=list, description="Input items before the request's input.")

    @model_validator(mode="after")
    def _not_empty(self) -> PromptVersionSpec:
        if self.instructions is None and not self.input:
            raise ValueError("a version needs instructions or input")
        return self


class PromptSpec(_Strict):
    id: str = Field(min_length=1)
    versions: dict[str, PromptVersionSpec] = Field(min_length=1)

    @field_validator("versions", mode="before")
    @classmethod
    def _string_keys(cls, value: Any) -> Any:
        # YAML reads `1:` as an integer; versions are strings on the wire.
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


class PromptFileSpec(_Strict):
    prompts: list[PromptSpec]


@dataclass(frozen=True, slots=True)
class LoadedPrompt:
    spec: PromptSpec
    source: str  # "file:line"


def _normalise(data: Any) -> tuple[Any, tuple[Any, ...]]:
    """The data as ``{"prompts": [...]}`` and the path prefix that maps it back onto the document."""
    if isinstance(data, list):
        return {"prompts": data}, ("prompts",)
    if isinstance(data, dict) and "prompts" not in data:
        return {"prompts": [data]}, ("prompts", 0)
    return data, ()


def _line(root: yaml.Node | None, prefix: tuple[Any, ...], path: Sequence[Any]) -> str:
    """``:N`` for the deepest node of the document along ``path`` (given in normalised coordinates)."""
    if prefix and tuple(path[: len(prefix)]) == prefix:
        path = path[len(prefix) :]
    return line_of(root, path)


def _dotted(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load_prompt_text(text: str, *, source: str = "<text>") -> list[LoadedPrompt]:
    """Parse and validate one document; raises ``PromptLoadError`` listing every problem."""
    root, data = parse(text, source=source, error=PromptLoadError)
    normalised, prefix = _normalise(data)
    try:
        spec = PromptFileSpec.model_validate(normalised)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ""
            if len(loc) >= 2 and loc[0] == "prompts" and isinstance(loc[1], int):
                entry = normalised["prompts"][loc[1]]
                name = entry.get("id") if isinstance(entry, dict) else None
                where = f"prompt '{name}': " if name else f"prompt #{loc[1] + 1}: "
                step = _dotted(loc[2:])
            else:
                step = _dotted(loc)
            problems.append(f"{source}{_line(root, prefix, loc)}: {where}{step or '(top level)'}: {error['msg']}")
        raise PromptLoadError(problems) from exc
    loaded: list[LoadedPrompt] = []
    problems = []
    for index, prompt in enumerate(spec.prompts):
        where = f"{source}{_line(root, prefix, ('prompts', index))}"
        for version, body in prompt.versions.items():
            try:
                check_input_items(body.input, "input")
            except APIError as exc:
                # The request-side message names the item path; the line is the item's.
                at_item = re.match(r"input\[(\d+)\]", exc.param or "")
                item_path = ("prompts", index, "versions", version, "input", *([int(at_item[1])] if at_item else []))
                problems.append(
                    f"{source}{_line(root, prefix, item_path)}: prompt '{prompt.id}': versions.{version}: {exc.message}"
                )
        loaded.append(LoadedPrompt(spec=prompt, source=where))
    if problems:
        raise PromptLoadError(problems)
    return loaded


def prompt_files(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and every prompt file inside named directories (sorted, recursively)."""
    return files_in(paths)


def load_prompt_paths(paths: Iterable[Path]) -> list[LoadedPrompt]:
    """Load every file; all problems of all files are reported together, duplicate ids included."""
    loaded: list[LoadedPrompt] = []
    problems: list[str] = []
    for path in prompt_files(paths):
        try:
            loaded.extend(load_prompt_text(path.read_text(encoding="utf-8"), source=str(path)))
        except PromptLoadError as exc:
            problems.extend(exc.problems)
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror}")
    seen: dict[str, str] = {}
    for prompt in loaded:
        if prompt.spec.id in seen:
            first = seen[prompt.spec.id]
            problems.append(f"{prompt.source}: prompt '{prompt.spec.id}': id: already defined at {first}")
        seen.setdefault(prompt.spec.id, prompt.source)
    if problems:
        raise PromptLoadError(problems)
    return loaded
