"""Scenario files through the real SDK: matching, turns, scripted errors and faults, queues, tenants."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from fastapi import FastAPI
from openai import AsyncOpenAI

from tests.api.conftest import BASE_URL, sdk_client

pytestmark = pytest.mark.anyio

WEATHER = """
scenarios:
  - name: weather-agent
    match:
      message: "weather in (?P<city>[A-Z][a-z]+)"
      tools: [get_weather]
    turns:
      - output:
          - function_call: {name: get_weather, arguments: {city: "{city}"}}
      - output:
          - message: "It is 18C and cloudy in {city}."
"""
WEATHER_TOOL: Any = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def control(app: FastAPI, api_key: str = "sk-test-key-alice") -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app),
        base_url=f"{BASE_URL}/__emulator__",
        headers={"Authorization": f"Bearer {api_key}"},
    )


async def load(app: FastAPI, text: str, api_key: str = "sk-test-key-alice") -> dict[str, Any]:
    async with control(app, api_key) as http:
        response = await http.post("/scenarios", content=text, headers={"content-type": "application/yaml"})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_weather_agent_scenario_plays_its_turns_over_previous_response_id(
    app: FastAPI, client: AsyncOpenAI
) -> None:
    await load(app, WEATHER)
    first = await client.responses.create(model="gpt-4o", input="What's the weather in Paris?", tools=[WEATHER_TOOL])
    call = first.output[0]
    assert call.type == "function_call" and json.loads(call.arguments) == {"city": "Paris"}
    second = await client.responses.create(
        model="gpt-4o",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "18C"}],
        tools=[WEATHER_TOOL],
    )
    assert second.output_text == "It is 18C and cloudy in Paris."


async def test_the_turn_follows_the_thread_when_the_client_resends_the_whole_history(
    app: FastAPI, client: AsyncOpenAI
) -> None:
    await load(app, WEATHER)
    history: list[Any] = [{"role": "user", "content": "weather in Rome please"}]
    first = await client.responses.create(model="gpt-4o", input=history, tools=[WEATHER_TOOL], store=False)
    call = first.output[0]
    assert call.type == "function_call"
    history += [
        call.model_dump(exclude_none=True),
        {"type": "function_call_output", "call_id": call.call_id, "output": "x"},
    ]
    second = await client.responses.create(model="gpt-4o", input=history, tools=[WEATHER_TOOL], store=False)
    assert second.output_text == "It is 18C and cloudy in Rome."


async def test_an_unmatched_request_falls_to_the_default_model(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(app, WEATHER)
    response = await client.responses.create(model="gpt-4o", input="tell me a joke", tools=[WEATHER_TOOL])
    assert response.output_text == "tell me a joke"


async def test_refusal_incomplete_and_reasoning_items_are_scripted(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(
        app,
        """
scenarios:
  - name: refuses
    match: {message: "^forbidden"}
    turns: [{output: [{refusal: "I can't help with that."}]}]
  - name: cut-short
    match: {message: "^long"}
    turns: [{output: [{message: "Part of an answer"}], incomplete: content_filter}]
  - name: thinks
    match: {message: "^think"}
    turns: [{output: [{reasoning: {summary: ["Weighing it up."], tokens: 12}}, {message: "Done."}]}]
""",
    )
    refused = await client.responses.create(model="gpt-4o", input="forbidden thing")
    part = refused.output[0].content[0]  # type: ignore[union-attr]
    assert part.type == "refusal" and part.refusal == "I can't help with that."
    cut = await client.responses.create(model="gpt-4o", input="long story")
    assert cut.status == "incomplete" and cut.incomplete_details is not None
    assert cut.incomplete_details.reason == "content_filter"
    thought = await client.responses.create(model="o4-mini", input="think hard", reasoning={"summary": "auto"})
    assert [item.type for item in thought.output] == ["reasoning", "message"]
    assert thought.usage is not None and thought.usage.output_tokens_details.reasoning_tokens == 12


async def test_a_scripted_429_is_retried_by_the_sdk_then_answers(app: FastAPI) -> None:
    await load(
        app,
        """
scenarios:
  - name: flaky
    turns:
      - error: {status: 429, headers: {retry-after-ms: "5"}}
        output: [{message: "finally"}]
""",
    )
    async with AsyncOpenAI(
        api_key="sk-test-key-alice",
        base_url=f"{BASE_URL}/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE_URL),
        max_retries=2,
    ) as retrying:
        raw = await retrying.responses.with_raw_response.create(model="gpt-4o", input="hi")
    assert raw.parse().output_text == "finally"
    assert raw.retries_taken == 1
    async with control(app) as http:
        described = (await http.get("/scenarios")).json()["data"][0]
    assert described["turns"][0] == {"turn": 0, "served": 1, "errors_served": 1}


async def test_scripted_errors_carry_the_real_envelope_and_headers(app: FastAPI, http: httpx2.AsyncClient) -> None:
    await load(
        app,
        """
scenarios:
  - name: down
    turns:
      - error: {status: 503, times: always, headers: {x-should-retry: "false"}}
""",
    )
    response = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "hi"})
    assert response.status_code == 503 and response.headers["x-should-retry"] == "false"
    assert response.json() == {
        "error": {
            "message": "The server is overloaded or not ready yet.",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    }
    async with sdk_client(app) as client:
        with pytest.raises(openai.InternalServerError):
            await client.responses.create(model="gpt-4o", input="hi")


async def test_a_mid_stream_failure_sends_the_nested_error_then_response_failed(
    app: FastAPI, client: AsyncOpenAI, http: httpx2.AsyncClient
) -> None:
    await load(
        app,
        """
scenarios:
  - name: breaks
    turns: [{output: [{message: "Half of this answer"}], fail: {code: server_error, partial: true}}]
""",
    )
    raw = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "x", "stream": True})
    frames = [json.loads(line[6:]) for line in raw.text.splitlines() if line.startswith("data: ")]
    assert [f["type"] for f in frames[-2:]] == ["error", "response.failed"]
    assert frames[-2]["error"]["code"] == "server_error" and frames[-2]["error"]["message"].startswith(
        "An error occurred while processing your request."
    )
    failed = frames[-1]["response"]
    assert failed["status"] == "failed" and failed["output"] == [] and failed["usage"] is None
    stream = await client.responses.create(model="gpt-4o", input="x", stream=True)
    with pytest.raises(openai.APIError):  # the real nested form makes the SDK raise at once
        async for _ in stream:
            pass
    plain = await client.responses.create(model="gpt-4o", input="x")
    assert plain.status == "failed" and plain.error is not None and plain.error.code == "server_error"


async def test_the_last_turn_is_loud_by_default_and_can_repeat_or_hand_over(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(
        app,
        """
scenarios:
  - {name: once, match: {metadata: {s: once}}, turns: [{output: [{message: "one"}]}]}
  - {name: again, match: {metadata: {s: again}}, after_last_turn: repeat_last, turns: [{output: [{message: "same"}]}]}
  - {name: handover, match: {metadata: {s: handover}}, after_last_turn: default_model,
     turns: [{output: [{message: "scripted"}]}]}
""",
    )
    for name, expected in (("again", "same"), ("handover", "next")):
        first = await client.responses.create(model="gpt-4o", input="first", metadata={"s": name})
        second = await client.responses.create(
            model="gpt-4o", input="next", previous_response_id=first.id, metadata={"s": name}
        )
        assert second.output_text == expected
    first = await client.responses.create(model="gpt-4o", input="first", metadata={"s": "once"})
    with pytest.raises(openai.BadRequestError) as error:
        await client.responses.create(model="gpt-4o", input="x", previous_response_id=first.id, metadata={"s": "once"})
    assert error.value.code == "scenario_exhausted"


async def test_a_header_picks_a_scenario_by_name(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(app, "scenarios: [{name: by-header, match: {model: never-*}, turns: [{output: [{message: picked}]}]}]")
    response = await client.responses.create(
        model="gpt-4o", input="x", extra_headers={"x-emulator-scenario": "by-header"}
    )
    assert response.output_text == "picked"


async def test_match_conditions_model_glob_tools_and_tool_output(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(
        app,
        """
scenarios:
  - {name: mini-only, match: {model: "gpt-4o-mini*"}, turns: [{output: [{message: mini}]}]}
  - {name: after-tool, match: {tool_output: true}, turns: [{output: [{message: "tool said {input}"}]}],
     after_last_turn: repeat_last}
""",
    )
    assert (await client.responses.create(model="gpt-4o-mini", input="x")).output_text == "mini"
    assert (await client.responses.create(model="gpt-4o", input="x")).output_text == "x"
    with_output = await client.responses.create(
        model="gpt-4o",
        input=[
            {"role": "user", "content": "go"},
            {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c", "output": "42"},
        ],
    )
    assert with_output.output_text == "tool said go"


async def test_tenants_never_see_each_others_scenarios(app: FastAPI, client_for: Callable[[str], AsyncOpenAI]) -> None:
    await load(app, "scenarios: [{name: mine, turns: [{output: [{message: scripted}]}]}]", api_key="sk-one")
    async with client_for("sk-one") as one, client_for("sk-two") as two:
        assert (await one.responses.create(model="gpt-4o", input="x")).output_text == "scripted"
        assert (await two.responses.create(model="gpt-4o", input="x")).output_text == "x"
    async with control(app, "sk-two") as http:
        assert (await http.get("/scenarios")).json()["data"] == []


async def test_queued_replies_answer_the_next_requests_in_order(app: FastAPI, client: AsyncOpenAI) -> None:
    async with control(app) as http:
        queued = await http.post(
            "/queue", json={"replies": [{"output": [{"message": "first"}]}, {"output": [{"message": "second"}]}]}
        )
    assert queued.json() == {"queued": 2}
    texts = [(await client.responses.create(model="gpt-4o", input="x")).output_text for _ in range(3)]
    assert texts == ["first", "second", "x"]


async def test_unconsumed_turns_are_listed(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(app, WEATHER)
    await client.responses.create(model="gpt-4o", input="weather in Oslo", tools=[WEATHER_TOOL])
    async with control(app) as http:
        (scenario,) = (await http.get("/scenarios")).json()["data"]
    assert scenario["name"] == "weather-agent" and scenario["unconsumed_turns"] == [1]


async def test_reset_forgets_the_tenants_scripts(app: FastAPI, client: AsyncOpenAI) -> None:
    await load(app, "scenarios: [{name: s, turns: [{output: [{message: scripted}]}]}]")
    async with control(app) as http:
        assert (await http.post("/reset")).json() == {"reset": True}
    assert (await client.responses.create(model="gpt-4o", input="plain")).output_text == "plain"


async def test_an_invalid_scenario_is_refused_with_its_line_and_step(app: FastAPI) -> None:
    async with control(app) as http:
        response = await http.post(
            "/scenarios", content="scenarios:\n  - name: bad\n    turns:\n      - output: [{function_call: {}}]\n"
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_scenario"
    assert error["message"] == (
        "<request body>:4: scenario 'bad': turns[0].output[0].function_call.name: Field required"
    )


class TestFilesAndStrictMode:
    @pytest.fixture
    def settings_overrides(self, tmp_path: Path) -> dict[str, object]:
        directory = tmp_path / "scenarios"
        directory.mkdir()
        (directory / "weather.yaml").write_text(WEATHER)
        return {"scenario_paths": [directory], "strict_scenarios": True}

    async def test_scenarios_from_files_answer_every_tenant(self, client_for: Callable[[str], AsyncOpenAI]) -> None:
        for key in ("sk-a", "sk-b"):
            async with client_for(key) as client:
                response = await client.responses.create(model="gpt-4o", input="weather in Lima", tools=[WEATHER_TOOL])
                assert response.output[0].type == "function_call"

    async def test_strict_mode_rejects_an_unmatched_request_loudly(self, client: AsyncOpenAI) -> None:
        with pytest.raises(openai.BadRequestError) as error:
            await client.responses.create(model="gpt-4o", input="no scenario for this")
        assert error.value.code == "scenario_not_matched"


class TestAdminToken:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"admin_token": "let-me-in"}

    async def test_the_control_plane_refuses_calls_without_the_token(self, app: FastAPI) -> None:
        async with control(app) as http:
            refused = await http.get("/scenarios")
            allowed = await http.get("/scenarios", headers={"x-emulator-admin-token": "let-me-in"})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_admin_token"
        assert allowed.status_code == 200


async def test_a_queued_error_is_answered_before_its_reply(app: FastAPI, http: httpx2.AsyncClient) -> None:
    async with control(app) as plane:
        await plane.post(
            "/queue",
            json={
                "replies": [
                    {"error": {"status": 429, "headers": {"retry-after-ms": "10"}}, "output": [{"message": "ok"}]}
                ]
            },
        )
    first = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "x"})
    second = await http.post("/v1/responses", json={"model": "gpt-4o", "input": "x"})
    assert first.status_code == 429 and first.headers["retry-after-ms"] == "10"
    assert second.status_code == 200 and second.json()["output"][0]["content"][0]["text"] == "ok"
