"""Images and files in input messages: decoding data URLs, sniffing image bytes, and naming attachments.

URLs are never fetched (the emulator is offline); a data URL is decoded so a test can see its bytes arrived.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[^;,]*)*?);base64,(?P<data>.*)$", re.S)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


@dataclass(frozen=True, slots=True)
class DataUrl:
    mime: str
    data: bytes


def decode_data_url(url: str) -> DataUrl | None:
    """The media type and bytes of a ``data:<mime>;base64,<data>`` URL; None when it is not one or the
    base64 is broken."""
    match = _DATA_URL.match(url.strip())
    if match is None:
        return None
    try:
        data = base64.b64decode(match["data"], validate=True)
    except (binascii.Error, ValueError):
        return None
    return DataUrl(mime=(match["mime"] or "").lower(), data=data)


def sniff_image(data: bytes) -> str | None:
    """The media type the bytes really are (PNG, JPEG, GIF, WebP), from their magic numbers."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def describe_part(part: Any) -> str | None:
    """A one-line note naming an image or file part (kind, media type and size, or URL, or file id)."""
    if not isinstance(part, dict):
        return None
    kind = part.get("type")
    if kind == "input_image":
        url = part.get("image_url")
        if isinstance(url, str) and url.startswith("data:"):
            decoded = decode_data_url(url)
            if decoded is not None:
                return f"[image: {decoded.mime}, {len(decoded.data)} bytes]"
        if isinstance(url, str):
            return f"[image: {url}]"
        if part.get("file_id"):
            return f"[image: file {part['file_id']}]"
        return "[image]"
    if kind == "input_file":
        name = part.get("filename")
        label = f"{name}, " if name else ""
        data = part.get("file_data")
        if isinstance(data, str):
            decoded = decode_data_url(data)
            if decoded is not None:
                return f"[file: {label}{decoded.mime}, {len(decoded.data)} bytes]"
        if part.get("file_url"):
            return f"[file: {label}{part['file_url']}]"
        if part.get("file_id"):
            return f"[file: {label}file {part['file_id']}]"
        return f"[file: {name}]" if name else "[file]"
    return None
