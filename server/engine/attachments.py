"""Checks of image and file inputs that the real API makes before it runs the model.

A data URL whose base64 is broken, or whose media type is not an image, is a 400 ``invalid_value`` on the
part's ``image_url`` (wording as reported from the real API); bytes that decode but are not a PNG, JPEG, GIF or
WebP image get the real "unsupported image" 400 ``invalid_image_format``. ``file_data`` must be a base64 data
URL. URLs are never fetched.
"""

from __future__ import annotations

from typing import Any

from scenarios.attachments import IMAGE_TYPES, decode_data_url, sniff_image
from server.errors import InvalidRequestError

_EXAMPLE_IMAGE = "'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='"
_EXAMPLE_FILE = "'data:application/pdf;base64,SGVsbG8sIFdvcmxkIQ=='"
UNSUPPORTED_IMAGE = (
    "You uploaded an unsupported image. Please make sure your image is below 20 MB in size and is of one the "
    "following formats: ['png', 'jpeg', 'gif', 'webp']."
)


def _check_image(url: str, path: str) -> None:
    if not url.startswith("data:"):
        return  # a URL: never fetched offline
    decoded = decode_data_url(url)
    if decoded is None:
        raise InvalidRequestError(
            f"Invalid '{path}'. Expected a base64-encoded data URL with an image MIME type (e.g. {_EXAMPLE_IMAGE}), "
            "but got an invalid base64-encoded value.",
            param=path,
            code="invalid_value",
        )
    mime = "image/jpeg" if decoded.mime == "image/jpg" else decoded.mime
    if mime not in IMAGE_TYPES:
        raise InvalidRequestError(
            f"Invalid '{path}'. Expected a base64-encoded data URL with an image MIME type (e.g. {_EXAMPLE_IMAGE}), "
            f"but got unsupported MIME type '{decoded.mime}'.",
            param=path,
            code="invalid_value",
        )
    if sniff_image(decoded.data) is None:
        raise InvalidRequestError(UNSUPPORTED_IMAGE, param=path, code="invalid_image_format")


def _check_file(data: str, path: str) -> None:
    if decode_data_url(data) is None:
        raise InvalidRequestError(
            f"Invalid '{path}'. Expected a base64-encoded data URL (e.g. {_EXAMPLE_FILE}), "
            "but got an invalid base64-encoded value.",
            param=path,
            code="invalid_value",
        )


def check_attachments(raw_input: Any) -> None:
    """Check every image and file part of the request's new input (paths as the client sent them)."""
    if not isinstance(raw_input, list):
        return
    for i, item in enumerate(raw_input):
        content = item.get("content") if isinstance(item, dict) else None
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            if not isinstance(part, dict):
                continue
            if part.get("type") == "input_image" and isinstance(part.get("image_url"), str):
                _check_image(part["image_url"], f"input[{i}].content[{j}].image_url")
            elif part.get("type") == "input_file" and isinstance(part.get("file_data"), str):
                _check_file(part["file_data"], f"input[{i}].content[{j}].file_data")
