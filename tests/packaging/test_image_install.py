"""The Docker image's install steps, run without Docker (no engine runs in CI).

The Dockerfile is read, not restated: its COPY steps copy the same files into a fresh directory, its
``RUN pip ...`` steps run in a fresh virtual environment, and its CMD starts the server with its ENV (host,
port and directories pointed at the test's own). Its HEALTHCHECK command then has to pass, and a request
has to be answered, from a scenario file in the scenario directory as a mounted one would be.

Deliberate differences, so the test stays fast and harmless: pip reuses its download cache (the image sets
``PIP_NO_CACHE_DIR``); user and ownership steps are skipped (they need root and change no installed file);
the server listens on 127.0.0.1, not 0.0.0.0. A RUN step of any other kind fails the test, so that this file
is updated with the Dockerfile. Where pip cannot reach the package index and has nothing cached the test
skips, and says so.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest

from tests.server.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
NETWORK_FAILURES = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "No matching distribution found",
    "Could not find a version that satisfies",
)
SCENARIO = """\
scenarios:
  - name: image-check
    match: {message: "^ping the image$"}
    turns:
      - output: [{message: "pong from a mounted scenario"}]
"""

pytestmark = pytest.mark.image


@dataclass
class Dockerfile:
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    copies: list[tuple[list[str], str]] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)


def parse_dockerfile(text: str) -> Dockerfile:
    """The instructions this test replays (continuation lines joined, comments dropped)."""
    parsed = Dockerfile()
    logical = text.replace("\\\n", " ")
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "ENV":
            parsed.env.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
        elif instruction == "WORKDIR":
            parsed.workdir = rest.strip()
        elif instruction == "COPY":
            *sources, destination = shlex.split(rest)
            parsed.copies.append((sources, destination))
        elif instruction == "RUN":
            parsed.runs.extend(step.strip() for step in rest.split("&&"))
        elif instruction == "HEALTHCHECK":
            parsed.healthcheck = shlex.split(rest.split(" CMD ", 1)[1])
        elif instruction == "CMD":
            parsed.cmd = json.loads(rest)
    return parsed


class Image:
    """A directory standing for the image's file system, with the venv standing for its Python."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.venv = root / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True, timeout=120)

    def path(self, container_path: str) -> Path:
        return self.root / "fs" / container_path.lstrip("/")

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name


def replay_build(image: Image, dockerfile: Dockerfile) -> None:
    workdir = image.path(dockerfile.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for sources, destination in dockerfile.copies:
        target = workdir / destination if not destination.startswith("/") else image.path(destination)
        for source in sources:
            origin = ROOT / source
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target / origin.name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "OPENAI_EMULATOR_"))}
    env |= {k: v for k, v in dockerfile.env.items() if k != "PIP_NO_CACHE_DIR"}  # reuse pip's cache
    for step in dockerfile.runs:
        words = shlex.split(step)
        if words[0] == "pip":
            result = subprocess.run(
                [str(image.bin("python")), "-m", "pip", *words[1:], "--quiet"],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if result.returncode != 0:
                output = result.stdout + result.stderr
                if any(failure in output for failure in NETWORK_FAILURES):
                    pytest.skip(f"pip cannot reach the package index and has nothing cached: {step!r}")
                pytest.fail(f"{step!r} failed:\n{output}")
        elif words[:2] == ["mkdir", "-p"]:
            for directory in words[2:]:
                image.path(directory).mkdir(parents=True, exist_ok=True)
        elif words[0] in ("useradd", "chown"):
            continue  # needs root, installs nothing
        else:
            pytest.fail(f"the Dockerfile has a RUN step this test does not replay yet: {step!r}")


def test_the_dockerfile_install_steps_give_a_server_that_answers(tmp_path: Path) -> None:
    dockerfile = parse_dockerfile((ROOT / "Dockerfile").read_text())
    assert dockerfile.cmd == ["openai-emulator", "serve"] and any(s.startswith("pip install") for s in dockerfile.runs)
    image = Image(tmp_path)
    replay_build(image, dockerfile)

    scenario_dir = image.path("/scenarios")  # created by the Dockerfile's mkdir; a mount would fill it
    (scenario_dir / "check.yaml").write_text(SCENARIO)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_EMULATOR_", "VIRTUAL_ENV"))}
    env |= dockerfile.env | {
        "OPENAI_EMULATOR_HOST": "127.0.0.1",
        "OPENAI_EMULATOR_PORT": str(port),
        "OPENAI_EMULATOR_DATA_DIR": str(image.path(dockerfile.env["OPENAI_EMULATOR_DATA_DIR"])),
        "OPENAI_EMULATOR_SCENARIO_PATHS": f'["{scenario_dir}"]',
        "PATH": f"{image.bin('')}{os.pathsep}{os.environ['PATH']}",
    }
    log = (tmp_path / "server.log").open("wb")
    # The CMD, from the venv's bin (the image's PATH), in a directory outside the source tree, so the installed
    # package, not the checkout, is what runs.
    server = subprocess.Popen(
        [str(image.bin(dockerfile.cmd[0])), *dockerfile.cmd[1:]],
        cwd=image.path("/"),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        healthcheck = [str(image.bin("python")) if w == "python" else w for w in dockerfile.healthcheck]
        deadline = time.monotonic() + 30
        while subprocess.run(healthcheck, env=env, capture_output=True, timeout=10).returncode != 0:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the HEALTHCHECK command never passed"
            time.sleep(0.2)
        reply = httpx2.post(
            f"http://127.0.0.1:{port}/v1/responses",
            headers={"Authorization": "Bearer sk-image"},
            json={"model": "gpt-4o", "input": "ping the image"},
            timeout=10,
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["output"][0]["content"][0]["text"] == "pong from a mounted scenario"
        where = subprocess.run(
            [str(image.bin("python")), "-c", "import server; print(server.__file__)"],
            cwd=image.path("/"),
            env=env,
            capture_output=True,
            text=True,
        )
        assert str(image.venv) in where.stdout  # the installed copy answered, not the checkout
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
