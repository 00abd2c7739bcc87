"""Images and files reach the model (and bad ones get the real errors); logprobs are deterministic."""

from __future__ import annotations

import base64
from typing import Any

import openai
import pytest
from openai import AsyncOpenAI

pytestmark = pytest.mark.anyio

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def image_message(url: str, text: str = "What is in this image?") -> list[Any]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": text},
                {"type": "input_image", "image_url": url, "detail": "auto"},
            ],
        }
    ]


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


async def test_a_base64_image_is_decoded_and_named_in_the_reply(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-4o", input=image_message(data_url("image/png", PNG)))
    assert response.output_text == f"What is in this image?\n[image: image/png, {len(PNG)} bytes]"


async def test_an_image_url_is_named_but_never_fetched(client: AsyncOpenAI) -> None:
    response = await client.responses.create(
        model="gpt-4o", input=image_message("https://upload.example.invalid/cat.png")
    )
    assert response.output_text.endswith("[image: https://upload.example.invalid/cat.png]")


async def test_a_file_is_named_with_its_size(client: AsyncOpenAI) -> None:
    pdf = b"%PDF-1.4 tiny"
    response = await client.responses.create(
        model="gpt-4o",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Summarise"},
                    {"type": "input_file", "filename": "report.pdf", "file_data": data_url("application/pdf", pdf)},
                ],
            }
        ],
    )
    assert response.output_text == f"Summarise\n[file: report.pdf, application/pdf, {len(pdf)} bytes]"


@pytest.mark.parametrize(
    ("url", "code", "message_start"),
    [
        ("data:image/png;base64,not*base64!", "invalid_value", "Invalid 'input[0].content[1].image_url'. Expected"),
        (data_url("application/pdf", b"%PDF"), "invalid_value", "Invalid 'input[0].content[1].image_url'. Expected"),
        (data_url("image/png", b"plain text, not a png"), "invalid_image_format", "You uploaded an unsupported image."),
    ],
    ids=["broken-base64", "not-an-image-type", "bytes-not-an-image"],
)
async def test_bad_images_get_the_real_400(client: AsyncOpenAI, url: str, code: str, message_start: str) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        await client.responses.create(model="gpt-4o", input=image_message(url))
    assert error.value.code == code and error.value.param == "input[0].content[1].image_url"
    assert error.value.message.split(" - ", 1)[0].startswith("Error code: 400")
    assert str(error.value.body["message"]).startswith(message_start)  # type: ignore[index]


async def test_logprobs_are_deterministic_and_listed_when_asked(client: AsyncOpenAI) -> None:
    kwargs: Any = dict(
        model="gpt-4o", input="same words twice", include=["message.output_text.logprobs"], top_logprobs=3
    )
    first = await client.responses.create(**kwargs)
    second = await client.responses.create(**kwargs)
    part = first.output[0].content[0]  # type: ignore[union-attr]
    assert part.type == "output_text" and [lp.token for lp in part.logprobs] == ["same", " words", " twice"]
    assert all(-2.1 < lp.logprob < 0 and len(lp.top_logprobs) == 3 for lp in part.logprobs)
    assert all(lp.top_logprobs[0].token == lp.token for lp in part.logprobs)
    assert part.logprobs == second.output[0].content[0].logprobs  # type: ignore[union-attr]


async def test_without_asking_there_are_no_logprobs(client: AsyncOpenAI) -> None:
    response = await client.responses.create(model="gpt-4o", input="plain")
    assert response.output[0].content[0].logprobs == []  # type: ignore[union-attr]


async def test_streamed_logprobs_match_the_final_part(client: AsyncOpenAI) -> None:
    stream = await client.responses.create(
        model="gpt-4o", input="stream these", include=["message.output_text.logprobs"], stream=True
    )
    events = [event async for event in stream]
    streamed = [lp.token for e in events if e.type == "response.output_text.delta" for lp in e.logprobs]
    final = events[-1].response.output[0].content[0]  # type: ignore[union-attr]
    assert streamed == [lp.token for lp in final.logprobs] == ["stream", " these"]
