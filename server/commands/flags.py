"""``serve`` flags generated from the ``Settings`` fields, so that a new setting is a flag with no CLI change.

Each field ``foo_bar`` becomes ``--foo-bar``, with the field's description, default and environment variable
as its help. Booleans get ``--foo``/``--no-foo``; literals get their choices; lists and mappings take JSON,
as in the environment. Every other value is passed to ``Settings`` as text, so a bad flag and a bad
environment variable get the same validation and the same message.
"""

from __future__ import annotations

import argparse
import json
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import SettingsError

from server.commands.errors import CommandError
from server.config import Settings

ENV_PREFIX = str(Settings.model_config.get("env_prefix", ""))


def flag_name(field: str) -> str:
    return "--" + field.replace("_", "-")


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field}".upper()


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc}): {text!r}") from None


def _default_text(info: FieldInfo) -> str:
    if info.default is PydanticUndefined and info.default_factory is None:
        return "required"
    value = info.get_default(call_default_factory=True, validated_data={})
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    return str(value)


def add_settings_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per ``Settings`` field. Unset flags stay absent, so the environment still applies."""
    group = parser.add_argument_group(
        "settings", f"Every setting is also an environment variable {ENV_PREFIX}<NAME>; a flag wins over it."
    )
    for name, info in Settings.model_fields.items():
        annotation = _unwrap_optional(info.annotation)
        origin = get_origin(annotation)
        description = (info.description or "").rstrip(".")
        help_text = f"{description}. Default: {_default_text(info)}. Env: {env_name(name)}.".replace("%", "%%")
        options: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS, "help": help_text}
        if annotation is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif origin is Literal:
            options["choices"] = [str(choice) for choice in get_args(annotation)]
        elif origin in (list, dict):
            options["type"] = _json_value
            options["metavar"] = "JSON"
        else:
            name_of_type = getattr(annotation, "__name__", "value")
            options["metavar"] = {"str": "TEXT"}.get(name_of_type, name_of_type.upper())
        group.add_argument(flag_name(name), **options)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """``Settings`` from the environment, overridden by the flags given; a bad value is one ``CommandError``."""
    overrides = {name: getattr(args, name) for name in Settings.model_fields if hasattr(args, name)}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        where = f"{field} ({flag_name(field)} / {env_name(field)})" if field in Settings.model_fields else field
        raise CommandError(f"invalid setting {where}: {error['msg']}{more}", code=2) from None
    except SettingsError as exc:  # an environment variable that is not valid JSON for a list or mapping
        raise CommandError(f"invalid setting: {exc}", code=2) from None
