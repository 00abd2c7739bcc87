"""Record and replay with real processes: an upstream emulator, ``openai-emulator record`` in front of it, the
``openai`` SDK driving a session through the recorder, then a fresh emulator replaying the recorded files
offline (strict scenarios) for the same session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
import yaml
from openai import OpenAI
from openai.types.responses import Response

from scenarios.files import load_paths
from tests.server.conftest import LiveServer, free_port, start_server, stop_server

CLIENT_KEY = "sk-client-secret-0123456789abcdef"
UPSTREAM_KEY = "sk-upstream-secret-fedcba9876543210"
LEAKED_KEY = "sk-proj-LEAKED0123456789abcdef"

UPSTREAM_SCENARIOS = f"""
scenarios:
  - name: weather
    match: {{message: "(?i)weather in Paris"}}
    turns:
      - output:
          - function_call: {{name: get_weather, arguments: {{city: Paris, unit: celsius}}}}
      - output:
          - message: "It is 18C and cloudy in Paris."
  - name: story
    match: {{message: "^(Tell me a story|And then\\\\?)$"}}  # the emulator matches the last user message
    turns:
      - output:
          - message: "Once upon a time\\nthere was a parser\\nthat read everything twice."
      - output:
          - message: "The end."
  - name: forbidden
    match: {{message: "forbidden"}}
    turns:
      - output:
          - refusal: "I'm sorry, but I can't help with that."
  - name: thinker
    match: {{model: o4-mini, message: "^Why"}}
    turns:
      - output:
          - reasoning: {{summary: ["**Thinking it through**\\n\\nShort wavelengths scatter more."], tokens: 128}}
          - message: "Rayleigh scattering."
  - name: searcher
    match: {{message: "search the web"}}
    turns:
      - output:
          - tool_call: {{type: web_search_call, action: {{type: search, query: "offline emulators"}}}}
          - message: "Here is what I found."
  - name: busy
    match: {{message: "^Are you busy\\\\?$"}}
    turns:
      - error:
          status: 429
          code: rate_limit_exceeded
          message: "Rate limit reached for requests. Please try again in 5ms."
          headers: {{retry-after-ms: "5"}}
        output:
          - message: "Free now."
  - name: fails
    match: {{message: "^Fail midway$"}}
    turns:
      - output:
          - message: "I was about to say something important"
        fail: {{code: server_error, message: "boom", partial: true}}
  - name: cut
    match: {{message: "^Cut short$"}}
    turns:
      - output:
          - message: "This answer stops"
        incomplete: content_filter
  - name: leaky
    match: {{message: "^What is my key\\\\?$"}}
    turns:
      - output:
          - message: "Your key is {LEAKED_KEY}."
"""

WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
    "strict": True,
}


# --- processes --------------------------------------------------------------------------------------------


@dataclass
class Recorder:
    base_url: str  # ends in /v1
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_recorder(tmp: Path, upstream: str, out: Path) -> Recorder:
    port = free_port()
    log_path = tmp / f"recorder-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "record", "--upstream", upstream, "--out", str(out), "--port", str(port)],
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "OPENAI_EMULATOR_UPSTREAM_API_KEY": UPSTREAM_KEY},
    )
    recorder = Recorder(base_url=f"http://127.0.0.1:{port}/v1", process=process, log_path=log_path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"recorder exited with {process.returncode}:\n{recorder.log()}")
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                return recorder
        except httpx2.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"recorder did not answer:\n{recorder.log()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sdk(base_url: str, api_key: str = CLIENT_KEY) -> OpenAI:
    return OpenAI(base_url=base_url, api_key=api_key, max_retries=0, _strict_response_validation=True)


# --- the session, whoever answers it ----------------------------------------------------------------------


def outputs(response: Response) -> dict[str, Any]:
    """What must be the same on replay (ids and timestamps are new by design)."""
    items: list[Any] = []
    for item in response.output:
        if item.type == "message":
            parts = [getattr(p, "text", None) or getattr(p, "refusal", None) for p in item.content]
            items.append({"message": [p.type for p in item.content], "texts": parts, "phase": item.phase})
        elif item.type == "function_call":
            items.append({"function_call": item.name, "arguments": json.loads(item.arguments)})
        elif item.type == "reasoning":
            items.append({"reasoning": [s.text for s in item.summary]})
        else:
            items.append(item.model_dump(exclude={"id", "call_id"}))
    usage = response.usage
    return {
        "status": response.status,
        "output": items,
        "incomplete_details": response.incomplete_details,
        "error": response.error,
        "reasoning_tokens": usage.output_tokens_details.reasoning_tokens if usage else None,
    }


@dataclass
class Session:
    outputs: dict[str, dict[str, Any]]
    responses: dict[str, Response]
    streamed_events: int


def drive(client: OpenAI) -> Session:
    """One session covering every way a thread continues, plus a rate limit; the same calls on both sides."""
    seen: dict[str, Response] = {}
    seen["function_call"] = client.responses.create(
        model="gpt-4o", input="What's the weather in Paris?", tools=[WEATHER_TOOL]
    )
    call = seen["function_call"].output[0]
    assert call.type == "function_call"
    seen["after_tool_output"] = client.responses.create(
        model="gpt-4o",
        previous_response_id=seen["function_call"].id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"temperature": 18}'}],
        tools=[WEATHER_TOOL],
    )
    events = list(client.responses.create(model="gpt-4o", input="Tell me a story", stream=True))
    terminal = events[-1]
    assert terminal.type == "response.completed"
    seen["streamed"] = terminal.response
    history: Any = [
        {"role": "user", "content": "Tell me a story"},
        *[item.model_dump(exclude_none=True) for item in seen["streamed"].output],
        {"role": "user", "content": "And then?"},
    ]
    seen["resent_history"] = client.responses.create(model="gpt-4o", input=history)
    seen["refusal"] = client.responses.create(model="gpt-4o", input="Tell me something forbidden")
    seen["reasoning"] = client.responses.create(
        model="o4-mini", input="Why is the sky blue?", reasoning={"effort": "low", "summary": "auto"}
    )
    seen["tool_call"] = client.responses.create(
        model="gpt-4o", input="Please search the web for offline emulators", tools=[{"type": "web_search"}]
    )
    with pytest.raises(openai.RateLimitError) as limited:
        client.responses.create(model="gpt-4o", input="Are you busy?")
    seen["after_rate_limit"] = client.responses.create(model="gpt-4o", input="Are you busy?")
    seen["leaky"] = client.responses.create(model="gpt-4o", input="What is my key?")
    seen["incomplete"] = client.responses.create(model="gpt-4o", input="Cut short")
    # The SDK raises at the stream's nested error event and hangs up: the recorder still records the turn.
    with pytest.raises(openai.APIError) as failed:
        for _event in client.responses.create(model="gpt-4o", input="Fail midway", stream=True):
            pass
    found = {name: outputs(response) for name, response in seen.items()}
    found["rate_limited"] = {
        "status": limited.value.status_code,
        "body": limited.value.body,
        "retry-after-ms": limited.value.response.headers.get("retry-after-ms"),
    }
    found["failed_stream"] = {"body": failed.value.body}
    return Session(outputs=found, responses=seen, streamed_events=len(events))


@dataclass
class Recording:
    session: Session
    out: Path
    upstream_view: dict[str, Any]  # what the upstream and the recorder said about the same stored responses


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    tmp = tmp_path_factory.mktemp("record")
    scenario_file = tmp / "upstream.yaml"
    scenario_file.write_text(UPSTREAM_SCENARIOS)
    out = tmp / "recordings"
    upstream = start_server(tmp, env={"OPENAI_EMULATOR_SCENARIO_PATHS": json.dumps([str(scenario_file)])})
    recorder: Recorder | None = None
    try:
        recorder = start_recorder(tmp, upstream.base_url, out)
        session = drive(sdk(recorder.base_url))
        view = pass_through(upstream, recorder, session)
    finally:
        if recorder is not None:
            stop(recorder.process)
        stop_server(upstream)
    yield Recording(session=session, out=out, upstream_view=view)


def pass_through(upstream: LiveServer, recorder: Recorder, session: Session) -> dict[str, Any]:
    """GET and DELETE through the recorder, checked against the upstream itself (which knows the upstream key)."""
    direct = sdk(upstream.base_url, UPSTREAM_KEY)
    proxied = sdk(recorder.base_url)
    first = session.responses["function_call"].id
    view: dict[str, Any] = {
        "streamed_upstream": direct.responses.retrieve(session.responses["streamed"].id),
        "retrieved_direct": direct.responses.retrieve(first),
        "retrieved_proxied": proxied.responses.retrieve(first),
    }
    with pytest.raises(openai.NotFoundError):
        sdk(upstream.base_url, CLIENT_KEY).responses.retrieve(first)  # the client's key never reached upstream
    deleted = httpx2.delete(f"{recorder.base_url}/responses/{first}", headers={"Authorization": f"Bearer {CLIENT_KEY}"})
    view["deleted"] = (deleted.status_code, deleted.json())
    with pytest.raises(openai.NotFoundError):
        direct.responses.retrieve(first)
    return view


@pytest.fixture(scope="module")
def replay(recording: Recording, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    tmp = tmp_path_factory.mktemp("replay")
    server = start_server(
        tmp,
        env={
            "OPENAI_EMULATOR_SCENARIO_PATHS": json.dumps([str(recording.out)]),
            "OPENAI_EMULATOR_STRICT_SCENARIOS": "true",
        },
    )
    try:
        session = drive(sdk(server.base_url))
    finally:
        stop_server(server)
    yield session


def recorded_scenarios(out: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(out.glob("*.yaml")):
        for scenario in yaml.safe_load(path.read_text())["scenarios"]:
            found[scenario["match"]["message"]] = scenario
    return found


# --- tests ------------------------------------------------------------------------------------------------

SAME_ON_REPLAY = [
    "function_call",
    "after_tool_output",
    "streamed",
    "resent_history",
    "refusal",
    "reasoning",
    "tool_call",
    "rate_limited",
    "after_rate_limit",
    "incomplete",
    "failed_stream",
]


@pytest.mark.parametrize("exchange", SAME_ON_REPLAY)
def test_an_offline_replay_of_the_recordings_gives_the_same_outputs(
    recording: Recording, replay: Session, exchange: str
) -> None:
    assert replay.outputs[exchange] == recording.session.outputs[exchange]


def test_the_replayed_outputs_are_the_upstreams_not_defaults(recording: Recording) -> None:
    found = recording.session.outputs
    assert found["function_call"]["output"] == [
        {"function_call": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}
    ]
    assert found["reasoning"]["reasoning_tokens"] == 128
    assert found["reasoning"]["output"][0] == {
        "reasoning": ["**Thinking it through**\n\nShort wavelengths scatter more."]
    }
    assert found["rate_limited"]["status"] == 429 and found["rate_limited"]["retry-after-ms"] == "5"
    assert found["after_rate_limit"]["output"][0]["texts"] == ["Free now."]


def test_a_stream_through_the_recorder_ends_with_the_upstreams_final_response(recording: Recording) -> None:
    streamed = recording.session.responses["streamed"]
    stored = recording.upstream_view["streamed_upstream"]
    assert recording.session.streamed_events > 5
    assert streamed.id == stored.id and streamed.status == stored.status == "completed"
    assert streamed.output == stored.output and streamed.usage == stored.usage


def test_get_and_delete_of_a_response_pass_through_the_recorder(recording: Recording) -> None:
    view = recording.upstream_view
    assert view["retrieved_proxied"].model_dump() == view["retrieved_direct"].model_dump()
    first = view["retrieved_direct"].id
    assert view["deleted"] == (200, {"id": first, "object": "response.deleted", "deleted": True})


def test_each_thread_of_requests_becomes_one_scenario_with_its_turns_in_order(recording: Recording) -> None:
    scenarios = recorded_scenarios(recording.out)
    weather = scenarios["^What's the weather in Paris?$".replace("?", "\\?")]
    assert weather["name"].startswith("rec-") and weather["name"].endswith("-what-s-the-weather-in-paris")
    assert weather["match"]["model"] == "gpt-4o" and weather["after_last_turn"] == "error"
    assert weather["turns"] == [
        {"output": [{"function_call": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
        {"output": [{"message": "It is 18C and cloudy in Paris."}]},
    ]
    story = scenarios[r"^(?:Tell me a story|And then\?)$"]
    assert [turn["output"][0]["message"] for turn in story["turns"]] == [
        "Once upon a time\nthere was a parser\nthat read everything twice.",
        "The end.",
    ]
    busy = scenarios[r"^Are you busy\?$"]
    assert busy["turns"] == [
        {
            "error": {
                "status": 429,
                "message": "Rate limit reached for requests. Please try again in 5ms.",
                "type": "requests",
                "code": "rate_limit_exceeded",
                "param": None,
                "headers": {"retry-after-ms": "5"},
                "times": 1,
            },
            "output": [{"message": "Free now."}],
        }
    ]
    assert len(scenarios) == 9


def test_recorded_items_keep_their_content_but_not_their_ids(recording: Recording) -> None:
    scenarios = recorded_scenarios(recording.out)
    thinker = scenarios[r"^Why is the sky blue\?$"]
    assert thinker["match"]["model"] == "o4-mini"
    assert thinker["turns"][0]["output"][0] == {
        "reasoning": {"summary": ["**Thinking it through**\n\nShort wavelengths scatter more."], "tokens": 128}
    }
    searcher = scenarios["^Please search the web for offline emulators$"]
    assert searcher["turns"][0]["output"][0] == {
        "tool_call": {"type": "web_search_call", "action": {"type": "search", "query": "offline emulators"}}
    }
    assert scenarios["^Tell me something forbidden$"]["turns"][0]["output"] == [
        {"refusal": "I'm sorry, but I can't help with that."}
    ]
    assert scenarios["^Cut short$"]["turns"] == [
        {"output": [{"message": "This answer stops"}], "incomplete": "content_filter"}
    ]
    # A stream is recorded by its terminal event, as the upstream folded it: the half-said message of a failed
    # response is not in its output, so it is not in the recording either.
    assert scenarios["^Fail midway$"]["turns"] == [{"output": [], "fail": {"code": "server_error", "message": "boom"}}]


def test_every_recorded_file_loads_as_scenarios(recording: Recording) -> None:
    files = sorted(recording.out.glob("*.yaml"))
    assert len(files) == 9
    for path in files:
        assert [loaded.spec.name for loaded in load_paths([path])] == [path.stem]


def test_recorded_files_are_readable_yaml_with_a_header(recording: Recording) -> None:
    text = next(recording.out.glob("*-tell-me-a-story.yaml")).read_text()
    assert text.startswith("# Recorded by `openai-emulator record` from http://127.0.0.1:")
    assert "message: |-\n" in text and "\n  - name: rec-" in text


def test_recorded_files_contain_no_api_key(recording: Recording) -> None:
    texts = "\n".join(path.read_text() for path in recording.out.glob("*.yaml"))
    assert CLIENT_KEY not in texts and UPSTREAM_KEY not in texts and LEAKED_KEY not in texts
    assert "Your key is sk-REDACTED." in texts
    assert all(word == "sk-REDACTED" for word in texts.replace(".", " ").split() if word.startswith("sk-"))


def test_a_key_the_upstream_said_is_replayed_redacted(recording: Recording, replay: Session) -> None:
    assert recording.session.outputs["leaky"]["output"][0]["texts"] == [f"Your key is {LEAKED_KEY}."]
    assert replay.outputs["leaky"]["output"][0]["texts"] == ["Your key is sk-REDACTED."]
