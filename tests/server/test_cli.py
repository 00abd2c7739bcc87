"""``openai-emulator`` as a user runs it: real subprocesses, their exit codes and what they print."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from openai import OpenAI

from server.config import Settings
from tests.conftest import isolated_postgres_url
from tests.server.conftest import LiveServer, free_port, start_server, stop_server

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "library"
BAD_SCENARIO = """\
scenarios:
  - name: broken
    turns:
      - output:
          - function_call: {arguments: {city: Paris}}
"""


def cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_EMULATOR_")}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
        env={**clean, **(env or {})},
    )


def assert_one_line_failure(result: subprocess.CompletedProcess[str], *fragments: str, code: int = 1) -> None:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


# -- serve: flags -----------------------------------------------------------------------------------------------


def test_serve_help_has_a_flag_with_help_text_for_every_setting() -> None:
    result = cli("serve", "--help")
    assert result.returncode == 0
    for name in Settings.model_fields:
        flag = "--" + name.replace("_", "-")
        assert flag in result.stdout, flag
        assert f"OPENAI_EMULATOR_{name.upper()}" in " ".join(result.stdout.split()), name
    assert "--no-strict-models" in result.stdout and "{text,json}" in result.stdout


def test_version_prints_the_package_version() -> None:
    result = cli("version")
    assert result.returncode == 0 and result.stdout.strip() == "0.1.0"


# -- serve: start-up errors are one line --------------------------------------------------------------------


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port), "--data-dir", str(tmp_path))
    assert_one_line_failure(result, f"cannot listen on 127.0.0.1:{port}", "address already in use")


def test_an_unreachable_database_is_one_line() -> None:
    port = free_port()  # nothing listens there
    result = cli(
        "serve", "--port", str(free_port()), "--database-url", f"postgresql://postgres:secret@127.0.0.1:{port}/x"
    )
    assert_one_line_failure(result, f"cannot open the database postgresql://postgres:***@127.0.0.1:{port}/x")
    assert "secret" not in result.stderr


def test_an_unsupported_database_url_is_one_line() -> None:
    result = cli("serve", "--port", str(free_port()), "--database-url", "mysql://localhost/db")
    assert_one_line_failure(result, "cannot open the database mysql://localhost/db")


def test_a_bad_scenario_file_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SCENARIO)
    result = cli("serve", "--port", str(free_port()), "--scenario-paths", json.dumps([str(bad)]))
    assert_one_line_failure(result, f"bad scenario file: {bad}:5: scenario 'broken'", "name: Field required")


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (["--port", "seventy"], {}, "invalid setting port (--port / OPENAI_EMULATOR_PORT): Input should be a valid"),
        ([], {"OPENAI_EMULATOR_PACING_JITTER": "3"}, "invalid setting pacing_jitter"),
        ([], {"OPENAI_EMULATOR_API_KEYS": "[not json"}, "invalid setting"),
        (["--model-backends", '{"gpt*": "no-such-backend"}'], {}, "invalid configuration"),
    ],
)
def test_a_bad_setting_from_a_flag_or_the_environment_is_one_line(
    args: list[str], env: dict[str, str], fragment: str
) -> None:
    result = cli("serve", "--port", str(free_port()), "--database-url", "sqlite://", *args, env=env)
    assert_one_line_failure(result, fragment, code=2)


def test_a_flag_that_is_not_json_is_one_usage_line() -> None:
    result = cli("serve", "--api-keys", "[oops")
    assert_one_line_failure(result, "argument --api-keys: not valid JSON", "see openai-emulator serve --help", code=2)


# -- scenarios validate -------------------------------------------------------------------------------------


def test_scenarios_validate_counts_the_scenarios_of_files_and_directories() -> None:
    result = cli("scenarios", "validate", str(LIBRARY))
    files = len(list(LIBRARY.glob("*.yaml")))
    assert result.returncode == 0
    assert result.stdout.strip() == f"{files} scenarios OK ({files} files)"


def test_scenarios_validate_prints_every_problem_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SCENARIO)
    (tmp_path / "worse.yaml").write_text("scenarios:\n  - name: x\n    turns: [{output: [{message: 1, refusal: 2}]}]\n")
    result = cli("scenarios", "validate", str(bad), str(tmp_path / "worse.yaml"), str(tmp_path / "missing.yaml"))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"{bad}:5: scenario 'broken': turns[0].output[0].function_call.name: Field required"
    assert any(line.startswith(f"{tmp_path / 'worse.yaml'}:3: scenario 'x'") for line in lines)
    assert any(line.startswith(f"{tmp_path / 'missing.yaml'}: cannot read") for line in lines)
    assert lines[-1] == f"{len(lines) - 1} problems found"


# -- state export / import ----------------------------------------------------------------------------------


def server_in(directory: Path, *args: str) -> LiveServer:
    directory.mkdir(parents=True, exist_ok=True)
    return start_server(directory, *args)


def make_some_state(base_url: str) -> dict[str, object]:
    client = OpenAI(base_url=base_url, api_key="sk-state-demo", max_retries=0)
    first = client.responses.create(model="gpt-4o", input="Hello there")
    second = client.responses.create(model="gpt-4o", input="And again?", previous_response_id=first.id)
    conversation = client.conversations.create(metadata={"topic": "demo"})
    client.responses.create(model="gpt-4o", input="In a conversation", conversation=conversation.id)
    return {"second": second.id, "conversation": conversation.id, "text": second.output_text}


def read_back(base_url: str, made: dict[str, object]) -> dict[str, object]:
    client = OpenAI(base_url=base_url, api_key="sk-state-demo", max_retries=0)
    second = client.responses.retrieve(str(made["second"]))
    chained = client.responses.create(model="gpt-4o", input="Still there?", previous_response_id=second.id)
    items = client.conversations.items.list(str(made["conversation"]), order="asc")
    return {
        "text": second.output_text,
        "inputs": [item.id for item in client.responses.input_items.list(second.id)],
        "chained": chained.status,
        "conversation_items": [item.type for item in items],
    }


def test_state_export_then_import_reproduces_the_store_on_another_database(tmp_path: Path) -> None:
    source = server_in(tmp_path / "a")
    try:
        made = make_some_state(source.base_url)
        original = read_back(source.base_url, made)
        dump = tmp_path / "state.jsonl"
        # Exported while the server runs: SQLite's WAL lets the export read a consistent snapshot.
        exported = cli("state", "export", str(dump), "--data-dir", str(tmp_path / "a" / "data"))
    finally:
        stop_server(source)
    assert exported.returncode == 0, exported.stderr
    assert "responses 4," in exported.stderr and "conversations 1," in exported.stderr

    target_db = tmp_path / "b" / "copy.db"
    imported = cli("state", "import", str(dump), "--database-url", f"sqlite:///{target_db}")
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr.startswith("imported ") and "responses 4," in imported.stderr
    again = cli("state", "import", str(dump), "--database-url", f"sqlite:///{target_db}")
    assert again.returncode == 0 and again.stderr.startswith("imported nothing new; ")

    target = server_in(tmp_path / "b", "--database-url", f"sqlite:///{target_db}")
    try:
        copy = read_back(target.base_url, made)
    finally:
        stop_server(target)
    assert copy == original


def test_state_export_to_stdout_and_import_from_stdin(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'empty.db'}"
    exported = cli("state", "export", "-", "--database-url", source)
    assert exported.returncode == 0 and exported.stderr.strip() == "exported an empty store"
    header = json.loads(exported.stdout.splitlines()[0])
    assert header["format"] == "openai-emulator-state"
    imported = cli(
        "state", "import", "-", "--database-url", f"sqlite:///{tmp_path / 'other.db'}", stdin=exported.stdout
    )
    assert imported.returncode == 0 and imported.stderr.strip() == "imported nothing new"


@pytest.mark.postgres
def test_state_moves_from_sqlite_to_postgresql_unchanged(tmp_path: Path, postgres_url: str) -> None:
    source = server_in(tmp_path / "a")
    try:
        make_some_state(source.base_url)
    finally:
        stop_server(source)
    sqlite_dump, pg_dump = tmp_path / "sqlite.jsonl", tmp_path / "pg.jsonl"
    assert cli("state", "export", str(sqlite_dump), "--data-dir", str(tmp_path / "a" / "data")).returncode == 0
    with isolated_postgres_url(postgres_url) as url:
        imported = cli("state", "import", str(sqlite_dump), "--database-url", url)
        assert imported.returncode == 0, imported.stderr
        assert cli("state", "export", str(pg_dump), "--database-url", url).returncode == 0
    assert pg_dump.read_text() == sqlite_dump.read_text()


def test_state_import_of_a_bad_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "openai-emulator-state", "version": 1}\n{"table": "nope", "row": {}}\n')
    result = cli("state", "import", str(bad), "--database-url", f"sqlite:///{tmp_path / 'x.db'}")
    assert_one_line_failure(result, f"{bad}: line 2: unknown table 'nope'")
    missing = cli("state", "import", str(tmp_path / "missing.jsonl"), "--database-url", "sqlite://")
    assert_one_line_failure(missing, "cannot read", "No such file or directory")
