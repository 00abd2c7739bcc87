"""The pytest plugin as a user meets it: a fresh test file, in a directory of its own, using only the
plugin's fixtures, run by a separate pytest process (so only the installed entry point can provide them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from tests.server.conftest import LiveServer

USER_TESTS = '''
import pytest

from openai import AsyncOpenAI, OpenAI

SCENARIO = """
scenarios:
  - name: greeting
    match: {message: "(?i)hello"}
    turns:
      - output: [{message: "Hello from a scenario"}]
"""


@pytest.fixture
def anyio_backend():
    return "asyncio"


def test_the_client_talks_to_the_emulator(openai_client: OpenAI, openai_emulator_url: str) -> None:
    assert openai_emulator_url.endswith("/v1") and str(openai_client.base_url).rstrip("/") == openai_emulator_url
    assert openai_client.responses.create(model="gpt-4o", input="echo me").output_text == "echo me"


def test_a_scenario_loaded_for_this_test_answers_and_is_consumed(openai_client: OpenAI, emulator) -> None:
    assert emulator.load_scenario(SCENARIO) == ["greeting"]
    reply = openai_client.responses.create(model="gpt-4o", input="Hello there")
    assert reply.output_text == "Hello from a scenario"
    emulator.assert_scenarios_consumed()


def test_a_scenario_file_loads_too(openai_client: OpenAI, emulator, tmp_path) -> None:
    path = tmp_path / "greeting.yaml"
    path.write_text(SCENARIO)
    emulator.load_scenario(path)
    assert openai_client.responses.create(model="gpt-4o", input="hello").output_text == "Hello from a scenario"


def test_each_test_is_a_fresh_tenant(openai_client: OpenAI, emulator) -> None:
    assert emulator.scenarios() == [] and emulator.journal() == []  # nothing of the tests before


def test_queued_replies_and_the_journal(openai_client: OpenAI, emulator) -> None:
    emulator.queue_message("first")
    emulator.queue({"output": [{"message": "second"}]})
    texts = [openai_client.responses.create(model="gpt-4o", input=f"q{n}").output_text for n in (1, 2)]
    assert texts == ["first", "second"]
    with pytest.raises(Exception, match="temperature"):
        openai_client.responses.create(model="gpt-4o", input="q3", temperature=5)
    sent = emulator.last_request()
    assert sent["request_body"]["input"] == "q3" and sent["status"] == 400
    assert [entry["request_body"]["input"] for entry in emulator.journal(path="/v1/responses")] == ["q1", "q2", "q3"]
    assert emulator.api_key not in str(sent["request_headers"])  # the journal masks the key


@pytest.mark.anyio
async def test_the_async_client(async_openai_client: AsyncOpenAI, emulator) -> None:
    emulator.queue_message("async reply")
    reply = await async_openai_client.responses.create(model="gpt-4o", input="hi")
    assert reply.output_text == "async reply"
    streamed = []
    async with async_openai_client.responses.stream(model="gpt-4o", input="one two three") as stream:
        async for event in stream:
            if event.type == "response.output_text.delta":
                streamed.append(event.delta)
    assert "".join(streamed) == "one two three"
'''


def run_user_tests(directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (directory / "test_with_the_emulator.py").write_text(USER_TESTS)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return subprocess.run(
        # -W error: no warning (an unclosed client, a loop left behind) may pass unnoticed either.
        [sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider", "test_with_the_emulator.py"],
        cwd=directory,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_fresh_test_file_passes_with_the_in_process_emulator(tmp_path: Path) -> None:
    result = run_user_tests(tmp_path, {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


def test_the_same_file_passes_against_an_external_emulator(tmp_path: Path, live_server: LiveServer) -> None:
    result = run_user_tests(tmp_path, {"OPENAI_EMULATOR_URL": live_server.base_url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout
    metrics = httpx2.get(live_server.base_url.removesuffix("/v1") + "/metrics").text
    assert 'openai_emulator_requests_total{method="POST",route="/v1/responses",status="200"}' in metrics


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tests.server.conftest import start_server, stop_server

    server = start_server(tmp_path_factory.mktemp("external"))
    yield server
    stop_server(server)
