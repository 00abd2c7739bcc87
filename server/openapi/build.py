"""Build ``server/openapi/openapi.json`` from the official OpenAI spec.

    python -m server.openapi.build [--spec PATH] [--check]

Keeps only the operations the emulator serves (``OPERATIONS``) and the components they reference,
transitively; applies the documented deviations (``server/openapi/deviations.py``); drops the docs-site
metadata (``x-oaiMeta``: code samples in six languages, about half the bytes). The output is deterministic,
so ``tests/unit/test_openapi_document.py`` can rebuild it and compare bytes: the committed file cannot drift
from the spec plus the deviations.

The spec is read from ``--spec``, else ``$OPENAI_EMULATOR_SPEC``, else ``DEFAULT_SPEC``. This runs at build
time only; the server never parses the 3 MB YAML.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from server.openapi import DOCUMENT_NAME
from server.openapi.deviations import apply_deviations

DEFAULT_SPEC = Path("/work/shared/spec/openapi.yaml")
OUTPUT = Path(__file__).with_name(DOCUMENT_NAME)

# Every route of server/api/{responses,conversations,models}.py, in the spec's own path spelling (relative to
# the `/v1` server). tests/unit/test_openapi_document.py checks this against the app's routes.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("/responses", "post"),
    ("/responses/{response_id}", "get"),
    ("/responses/{response_id}", "delete"),
    ("/responses/{response_id}/cancel", "post"),
    ("/responses/{response_id}/input_items", "get"),
    ("/responses/input_tokens", "post"),
    ("/responses/compact", "post"),
    ("/conversations", "post"),
    ("/conversations/{conversation_id}", "get"),
    ("/conversations/{conversation_id}", "post"),
    ("/conversations/{conversation_id}", "delete"),
    ("/conversations/{conversation_id}/items", "post"),
    ("/conversations/{conversation_id}/items", "get"),
    ("/conversations/{conversation_id}/items/{item_id}", "get"),
    ("/conversations/{conversation_id}/items/{item_id}", "delete"),
    ("/models", "get"),
    ("/models/{model}", "get"),
)

Json = dict[str, Any]


def load_spec(path: Path) -> Json:
    """The official spec; the C loader when PyYAML has it (0.6 s instead of about 20 s)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as stream:
        spec: Json = yaml.load(stream, Loader=loader)  # a safe loader either way
    return spec


def build(spec: Json, *, source_sha256: str) -> Json:
    """The emulator's document: our operations of ``spec``, deviations applied, referenced components only."""
    spec = _without_meta(copy.deepcopy(spec))
    paths: Json = {}
    for path, method in OPERATIONS:
        paths.setdefault(path, {})[method] = spec["paths"][path][method]
    components: Json = {
        "schemas": spec["components"]["schemas"],
        "responses": spec["components"]["responses"],
        "securitySchemes": {"ApiKeyAuth": spec["components"]["securitySchemes"]["ApiKeyAuth"]},
    }
    apply_deviations(paths, components)
    return {
        "openapi": spec["openapi"],
        "info": {
            "title": "openai-emulator",
            "description": (
                "The operations of the OpenAI API that the emulator serves, as the official spec describes "
                "them, with the emulator's documented deviations (server/openapi/deviations.py)."
            ),
            "version": spec["info"]["version"],
            "x-source": {"title": spec["info"]["title"], "sha256": source_sha256},
        },
        "servers": [{"url": "/v1"}],
        "security": [{"ApiKeyAuth": []}],
        "paths": paths,
        "components": _referenced(paths, components),
    }


def render(document: Json) -> bytes:
    """Stable bytes: the order is the build's (operations as listed, components sorted), two-space indent."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def build_from_file(path: Path) -> bytes:
    raw = path.read_bytes()
    return render(build(load_spec(path), source_sha256=hashlib.sha256(raw).hexdigest()))


def spec_path(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("OPENAI_EMULATOR_SPEC") or DEFAULT_SPEC)


def _without_meta(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_meta(value) for key, value in node.items() if key != "x-oaiMeta"}
    if isinstance(node, list):
        return [_without_meta(value) for value in node]
    return node


def _refs(node: Any) -> Iterator[tuple[str, str]]:
    """Every ``#/components/<section>/<name>`` reference inside ``node``, as (section, name)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            section, name = ref.removeprefix("#/components/").split("/", 1)
            yield section, name
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _referenced(paths: Json, components: Json) -> Json:
    """The components ``paths`` needs, transitively, each section sorted by name."""
    seen: set[tuple[str, str]] = set()
    pending = list(_refs(paths))
    while pending:
        key = pending.pop()
        if key in seen:
            continue
        seen.add(key)
        section, name = key
        pending.extend(_refs(components[section][name]))
    kept: Json = {}
    for section in ("schemas", "responses"):
        names = sorted(name for sec, name in seen if sec == section)
        kept[section] = {name: components[section][name] for name in names}
    kept["securitySchemes"] = components["securitySchemes"]
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.openapi.build", description=__doc__.split("\n")[0])
    parser.add_argument("--spec", help=f"the official openapi.yaml (default: $OPENAI_EMULATOR_SPEC or {DEFAULT_SPEC})")
    parser.add_argument("--check", action="store_true", help="fail if the committed file differs; write nothing")
    args = parser.parse_args(argv)
    produced = build_from_file(spec_path(args.spec))
    if args.check:
        if OUTPUT.read_bytes() != produced:
            print(f"{OUTPUT} is stale: run python -m server.openapi.build", file=sys.stderr)
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    OUTPUT.write_bytes(produced)
    print(f"wrote {OUTPUT} ({len(produced):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
