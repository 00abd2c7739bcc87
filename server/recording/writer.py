"""Recorded scenarios as files people read and edit: block-style YAML, ``|`` blocks for multi-line text."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key (as the library's files do) and never writes anchors or aliases."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted style by itself where a block cannot hold the text (e.g. trailing spaces).
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)


def public_url(url: str) -> str:
    """The URL without credentials: no user info, no query (where some gateways take their key)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def render(scenario: dict[str, Any], *, upstream: str, started: datetime, updated: datetime) -> str:
    """One scenario file: a header saying where and when it was recorded, then the scenario."""
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    header = (
        f"# Recorded by `openai-emulator record` from {upstream}\n"
        f"# between {started.strftime(stamp)} and {updated.strftime(stamp)}.\n"
        "# Replay offline: OPENAI_EMULATOR_SCENARIO_PATHS='[\"<this directory>\"]' openai-emulator serve\n"
    )
    body = yaml.dump(
        {"scenarios": [scenario]},
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=120,
    )
    return header + body


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` whole, so an emulator starting meanwhile never loads half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
