"""The SDK snapshots (``server/protocol/sdk_snapshot.py``, ``scenarios/sdk_models.py``) and why they exist.

The runtime reads the pinned SDK's facts from these generated files instead of importing ``openai`` (~0.4 s of
start-up). The first test keeps them equal to what the pinned SDK gives; the others keep start-up free of the
SDK and the snapshot's format within what ``server.protocol.sdk`` understands.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.errors import InvalidRequestError
from server.protocol import sdk, sdk_snapshot, sdk_snapshot_build
from server.protocol.schema import Arr

ROOT = Path(__file__).resolve().parents[2]

# What `serve` imports and builds before it answers /health (server.commands.serve), app included.
_START_UP = """
import sys
import server.cli, server.commands.serve, server.http_protocol, server.logs, uvicorn
from server.app import create_app
from server.config import Settings
create_app(Settings(database_url=sys.argv[1]))
print(sorted(name for name in sys.modules if name == "openai" or name.startswith("openai.")))
"""


def test_sdk_snapshot_matches_the_pinned_sdk() -> None:
    stale = sdk_snapshot_build.stale(sdk_snapshot_build.outputs().items())
    assert stale == [], (
        f"out of date with the installed openai SDK: {', '.join(str(p.relative_to(ROOT)) for p in stale)}; "
        f"regenerate with `{sdk_snapshot_build.COMMAND}` and review the diff"
    )


def test_starting_the_server_does_not_import_the_openai_sdk(tmp_path: Path) -> None:
    # A fresh interpreter: this test process has long imported the SDK (the tests use its client).
    done = subprocess.run(
        [sys.executable, "-c", _START_UP, f"sqlite:///{tmp_path / 'emulator.db'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"start-up imported the SDK again: {done.stdout.strip()}"


def test_every_snapshot_typeddict_translates_to_a_node() -> None:
    # The runtime translates only what its rules reach; this covers the rest of the snapshot (e.g. the message
    # params items.py validates by hand), so an annotation form the translator lacks shows up here, not on a pin.
    for name in sdk_snapshot.TYPEDDICTS:
        assert sdk.obj_for(name).fields or not sdk_snapshot.TYPEDDICTS[name], name
    for union in sdk_snapshot.UNIONS:
        assert sdk.typeddicts_in(union), union


def test_a_self_referencing_typeddict_translates_to_a_node_that_refers_to_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No TypedDict of openai 3.51.0 refers to itself (CompoundFilter types its nested filters as `object`), but
    # the snapshot format allows it and a later pin may bring one: obj_for registers a node before its members.
    tree = "tests.Tree"
    monkeypatch.setitem(
        sdk_snapshot.TYPEDDICTS,
        tree,
        {"name": ("required", "str"), "children": ("optional", ("list", ("ref", tree)))},
    )
    monkeypatch.setattr(sdk, "_cache", {})
    node = sdk.obj_for(tree)
    children = node.fields["children"].node
    assert isinstance(children, Arr) and children.item is node
    node.check({"name": "a", "children": [{"name": "b", "children": []}]}, "tree")
    with pytest.raises(InvalidRequestError) as raised:
        node.check({"name": "a", "children": [{"name": "b", "children": [{}]}]}, "tree")
    assert raised.value.message == "Missing required parameter: 'tree.children[0].children[0].name'."
