"""Prompt templates: ``prompt: {id, version?, variables?}`` resolved from the loaded prompt files.

* The version is the one asked for, else the latest: the highest number when every version key is an
  integer, else the last one in the file.
* ``{{name}}`` placeholders (spaces inside the braces allowed) are filled from ``variables``. A text
  variable (a string, or ``{"type": "input_text", "text": …}``) fills any placeholder. An ``input_image`` or
  ``input_file`` variable replaces a whole content part: a message whose content is exactly ``{{name}}``, or
  an ``input_text`` part whose text is exactly ``{{name}}``.
* The prompt's instructions apply when the request sends none; its input items come before the request's
  input. Like ``instructions``, they belong to this request only: they are not stored as input items, so a
  chain or a conversation does not see them twice when the next request names the prompt again [inferred].

Errors: unknown id → the real 404 ``Prompt with id 'pmpt_x' not found.``; unknown version → 404 ``Prompt with
id 'pmpt_x' and version 'N' not found.`` [inferred wording]; a placeholder without a variable → 400 ``Missing
prompt variables: city.`` (param ``prompt.variables``, code ``missing_required_parameter``) [inferred]; a file
or image variable inside text → 400 ``invalid_type`` [inferred]. Variables no placeholder uses are ignored.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from server.engine.prompt_files import LoadedPrompt, PromptVersionSpec
from server.errors import InvalidRequestError, NotFoundError

JSONObject = dict[str, Any]

_PLACEHOLDER = re.compile(r"\{\{\s*([\w.-]+)\s*\}\}")
_TEXT_PARTS = ("input_text", "output_text")


@dataclass(frozen=True, slots=True)
class ResolvedPrompt:
    """A prompt version with its variables filled in."""

    id: str
    version: str
    instructions: str | None
    input: list[JSONObject]
    variables: JSONObject | None

    @property
    def echo(self) -> JSONObject:
        """The Response's ``prompt`` field: the version resolved, the variables as sent."""
        return {"id": self.id, "variables": self.variables, "version": self.version}


class PromptLibrary:
    """Every loaded prompt, by id (global: prompt files are the deployment's, not a tenant's)."""

    def __init__(self, prompts: Sequence[LoadedPrompt] = ()) -> None:
        self._prompts = {p.spec.id: p.spec.versions for p in prompts}

    def __len__(self) -> int:
        return len(self._prompts)

    def resolve(self, param: JSONObject) -> ResolvedPrompt:
        """Resolve a validated ``prompt`` parameter, or raise the API's 404/400."""
        prompt_id = str(param.get("id"))
        versions = self._prompts.get(prompt_id)
        if versions is None:
            raise NotFoundError(f"Prompt with id '{prompt_id}' not found.")
        version = param.get("version")
        if version is None:
            version = _latest(list(versions))
        body = versions.get(str(version))
        if body is None:
            raise NotFoundError(f"Prompt with id '{prompt_id}' and version '{version}' not found.")
        variables = param.get("variables")
        return _fill(prompt_id, str(version), body, variables)


def _latest(keys: list[str]) -> str:
    if all(k.isdigit() for k in keys):
        return max(keys, key=int)
    return keys[-1]


def _fill(prompt_id: str, version: str, body: PromptVersionSpec, variables: JSONObject | None) -> ResolvedPrompt:
    values = dict(variables or {})
    used = _placeholders(body)
    missing = [name for name in used if name not in values]
    if missing:
        raise InvalidRequestError(
            f"Missing prompt variables: {', '.join(missing)}.",
            param="prompt.variables",
            code="missing_required_parameter",
        )
    instructions = _text(body.instructions, values) if body.instructions is not None else None
    items = [_fill_item(copy.deepcopy(item), values) for item in body.input]
    return ResolvedPrompt(prompt_id, version, instructions, items, variables)


def _placeholders(body: PromptVersionSpec) -> list[str]:
    """Variable names in order of first use."""
    texts: list[str] = [body.instructions or ""]
    for item in body.input:
        content = item.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(str(part.get("text", "")) for part in content if isinstance(part, dict))
    names: dict[str, None] = {}
    for text in texts:
        names.update((match[1], None) for match in _PLACEHOLDER.finditer(text))
    return list(names)


def _as_text(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("type") == "input_text":
        return str(value.get("text", ""))
    raise InvalidRequestError(  # [inferred] wording, the type-error family
        f"Invalid type for 'prompt.variables.{name}': expected a string, but got an object instead.",
        param=f"prompt.variables.{name}",
        code="invalid_type",
    )


def _text(template: str, values: JSONObject) -> str:
    return _PLACEHOLDER.sub(lambda m: _as_text(m[1], values[m[1]]), template)


def _whole_part(text: str, values: JSONObject) -> JSONObject | None:
    """The file or image a text consisting of exactly one placeholder stands for, if any."""
    match = _PLACEHOLDER.fullmatch(text.strip())
    if match is None:
        return None
    value = values[match[1]]
    if isinstance(value, dict) and value.get("type") in ("input_image", "input_file"):
        return copy.deepcopy(value)
    return None


def _fill_item(item: JSONObject, values: JSONObject) -> JSONObject:
    content = item.get("content")
    if isinstance(content, str):
        part = _whole_part(content, values)
        item["content"] = [part] if part is not None else _text(content, values)
    elif isinstance(content, list):
        filled: list[Any] = []
        for part in content:
            if isinstance(part, dict) and part.get("type") in _TEXT_PARTS and isinstance(part.get("text"), str):
                whole = _whole_part(part["text"], values)
                filled.append(whole if whole is not None else {**part, "text": _text(part["text"], values)})
            else:
                filled.append(part)
        item["content"] = filled
    return item
