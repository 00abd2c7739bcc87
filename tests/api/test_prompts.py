"""Prompt templates through the SDK: files loaded from ``prompt_paths``, versions, text and image variables,
and the errors (REFERENCE §B.1 ``prompt``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai
import pytest
from openai import AsyncOpenAI

from server.app import create_app
from server.config import Settings
from server.engine.prompt_files import PromptLoadError

pytestmark = pytest.mark.anyio

PROMPTS = """
prompts:
  - id: pmpt_weather
    versions:
      "1":
        instructions: "You are a weather assistant for {{city}}."
      "2":
        instructions: "Answer briefly about {{ city }}."
        input:
          - role: user
            content: "What's the weather in {{city}} on {{day}}?"
  - id: pmpt_photo
    versions:
      1:
        input:
          - role: user
            content:
              - {type: input_text, text: "Describe this photo of {{place}}:"}
              - {type: input_text, text: "{{photo}}"}
"""
PHOTO_URL = "https://example.invalid/rome.png"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    directory = tmp_path / "prompts"
    directory.mkdir()
    (directory / "library.yaml").write_text(PROMPTS)
    return {"prompt_paths": [directory]}


async def test_the_latest_version_fills_its_instructions_and_input(client: AsyncOpenAI) -> None:
    response = await client.responses.create(
        model="gpt-4o", input=[], prompt={"id": "pmpt_weather", "variables": {"city": "Paris", "day": "Monday"}}
    )
    assert response.output_text == "What's the weather in Paris on Monday?"  # the prompt's own message
    assert response.instructions == "Answer briefly about Paris."
    assert response.prompt is not None
    assert response.prompt.model_dump() == {
        "id": "pmpt_weather",
        "variables": {"city": "Paris", "day": "Monday"},
        "version": "2",
    }
    # The prompt's items are context for this request only; nothing was stored as input.
    assert (await client.responses.input_items.list(response.id)).data == []


async def test_the_requests_input_comes_after_the_prompts(client: AsyncOpenAI) -> None:
    prompt: Any = {
        "id": "pmpt_weather",
        "version": "2",
        "variables": {"city": "Oslo", "day": {"type": "input_text", "text": "Friday"}},
    }
    response = await client.responses.create(model="gpt-4o", input="And tomorrow?", prompt=prompt)
    assert response.output_text == "And tomorrow?"
    prompt_only = await client.responses.create(model="gpt-4o", input=[], prompt=prompt)
    assert prompt_only.output_text == "What's the weather in Oslo on Friday?"  # input_text variables are text
    # Both messages are billed: the prompt's and the request's.
    assert response.usage is not None and prompt_only.usage is not None
    assert response.usage.input_tokens > prompt_only.usage.input_tokens
    listed = (await client.responses.input_items.list(response.id)).data
    assert len(listed) == 1


async def test_an_older_version_and_the_requests_own_instructions(client: AsyncOpenAI) -> None:
    first = await client.responses.create(
        model="gpt-4o", input="Rain?", prompt={"id": "pmpt_weather", "version": "1", "variables": {"city": "Lima"}}
    )
    assert first.instructions == "You are a weather assistant for Lima."
    assert first.prompt is not None and first.prompt.version == "1" and first.output_text == "Rain?"
    own = await client.responses.create(
        model="gpt-4o",
        input="Rain?",
        instructions="Be terse.",
        prompt={"id": "pmpt_weather", "version": "1", "variables": {"city": "Lima"}},
    )
    assert own.instructions == "Be terse."


async def test_an_image_variable_replaces_its_content_part(client: AsyncOpenAI) -> None:
    photo: Any = {"type": "input_image", "image_url": PHOTO_URL, "detail": "auto"}
    response = await client.responses.create(
        model="gpt-4o", input=[], prompt={"id": "pmpt_photo", "variables": {"place": "Rome", "photo": photo}}
    )
    # The echo model names the images of the last user message after its text.
    assert response.output_text == f"Describe this photo of Rome:\n[image: {PHOTO_URL}]"
    assert response.prompt is not None and response.prompt.version == "1"
    as_text = await client.responses.create(
        model="gpt-4o", input=[], prompt={"id": "pmpt_photo", "variables": {"place": "Rome", "photo": "(no photo)"}}
    )
    assert as_text.output_text == "Describe this photo of Rome:\n(no photo)"


async def test_an_image_variable_inside_text_is_refused(client: AsyncOpenAI) -> None:
    photo: Any = {"type": "input_image", "image_url": PHOTO_URL}
    with pytest.raises(openai.BadRequestError) as caught:
        await client.responses.create(
            model="gpt-4o", input=[], prompt={"id": "pmpt_photo", "variables": {"place": photo, "photo": photo}}
        )
    assert caught.value.param == "prompt.variables.place" and caught.value.code == "invalid_type"


async def test_unknown_prompts_versions_and_missing_variables(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as not_found:
        await client.responses.create(model="gpt-4o", input="x", prompt={"id": "pmpt_x"})
    assert not_found.value.body == {
        "message": "Prompt with id 'pmpt_x' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError) as no_version:
        await client.responses.create(model="gpt-4o", input="x", prompt={"id": "pmpt_weather", "version": "9"})
    assert no_version.value.message.endswith("Prompt with id 'pmpt_weather' and version '9' not found.")
    with pytest.raises(openai.BadRequestError) as missing:
        await client.responses.create(model="gpt-4o", input="x", prompt={"id": "pmpt_weather", "variables": {}})
    assert missing.value.body == {
        "message": "Missing prompt variables: city, day.",
        "type": "invalid_request_error",
        "param": "prompt.variables",
        "code": "missing_required_parameter",
    }


async def test_the_conversation_lookup_comes_before_the_prompts(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError, match="Conversation with id 'conv_nope' not found."):
        await client.responses.create(model="gpt-4o", input="x", prompt={"id": "pmpt_x"}, conversation="conv_nope")


def test_bad_prompt_files_stop_start_up_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: pmpt_bad\nversions:\n  '1':\n    input:\n      - role: user\n      - role: robot\n        content: hi\n"
    )
    with pytest.raises(PromptLoadError) as caught:
        create_app(Settings(database_url="sqlite://", prompt_paths=[bad]))
    assert caught.value.problems == [
        f"{bad}:5: prompt 'pmpt_bad': versions.1: Missing required parameter: 'input[0].content'."
    ]
