"""The SDK snapshots (``server/protocol/sdk_snapshot.py``, ``scenarios/sdk_models.py``) equal the pinned SDK."""

from __future__ import annotations

from pathlib import Path

from server.protocol import sdk_snapshot_build

ROOT = Path(__file__).resolve().parents[2]


def test_sdk_snapshot_matches_the_pinned_sdk() -> None:
    stale = sdk_snapshot_build.stale(sdk_snapshot_build.outputs().items())
    assert stale == [], (
        f"out of date with the installed openai SDK: {', '.join(str(p.relative_to(ROOT)) for p in stale)}; "
        f"regenerate with `{sdk_snapshot_build.COMMAND}` and review the diff"
    )
