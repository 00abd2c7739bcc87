"""Deterministic token counting and text splitting.

The emulator has no tokenizer of the real models; it needs one that is reproducible, cheap, and consistent
everywhere it is used: the same pieces are the streamed deltas, the billed output tokens, and the unit
``max_output_tokens`` cuts at. A piece is a word (with its leading space, at most 8 letters or digits; longer
runs are split), or one punctuation character, or a run of whitespace the next piece does not absorb.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

_PIECE = re.compile(r" ?[^\W_]{1,8}| ?[^\w\s]|\s+(?!\S)|\s+|_")

# Per-message framing the real chat formats spend (role, separators); keeps short inputs in a plausible range.
MESSAGE_OVERHEAD = 4
REPLY_PRIMING = 3
IMAGE_TOKENS = 85
FILE_TOKENS = 256


def split_pieces(text: str) -> list[str]:
    """Cut text into token-sized pieces that concatenate back to exactly ``text``."""
    pieces = _PIECE.findall(text)
    # The regex covers every character; this guard keeps the invariant honest if it is ever edited.
    if "".join(pieces) != text:
        raise AssertionError("token pieces must reproduce the text")
    return pieces


def count_text(text: str) -> int:
    return len(_PIECE.findall(text))


def _count_content(content: Any) -> int:
    if isinstance(content, str):
        return count_text(content)
    total = 0
    for part in content if isinstance(content, list) else ():
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text", "summary_text", "reasoning_text"):
            total += count_text(str(part.get("text") or ""))
        elif kind == "refusal":
            total += count_text(str(part.get("refusal") or ""))
        elif kind == "input_image":
            total += IMAGE_TOKENS
        elif kind == "input_file":
            total += FILE_TOKENS
        else:
            total += count_text(json.dumps(part, sort_keys=True))
    return total


def count_item(item: dict[str, Any]) -> int:
    """Tokens one context item costs as model input."""
    kind = item.get("type", "message")
    if kind == "message":
        return MESSAGE_OVERHEAD + _count_content(item.get("content"))
    if kind == "function_call":
        return MESSAGE_OVERHEAD + count_text(str(item.get("name", ""))) + count_text(str(item.get("arguments", "")))
    if kind in ("function_call_output", "custom_tool_call_output"):
        output = item.get("output", "")
        return MESSAGE_OVERHEAD + (count_text(output) if isinstance(output, str) else _count_content(output))
    if kind == "reasoning":
        return sum(count_text(str(s.get("text", ""))) for s in item.get("summary") or () if isinstance(s, dict))
    # Other items: their JSON, minus ids, which the model never sees.
    visible = {k: v for k, v in item.items() if k not in ("id", "status")}
    return MESSAGE_OVERHEAD + count_text(json.dumps(visible, sort_keys=True))


def count_input(instructions: str | None, items: Iterable[dict[str, Any]], tools: Iterable[Any] = ()) -> int:
    """Input tokens of a request: instructions, every context item, tool definitions, reply priming."""
    total = REPLY_PRIMING
    if instructions:
        total += MESSAGE_OVERHEAD + count_text(instructions)
    total += sum(count_item(item) for item in items)
    for tool in tools:
        total += count_text(json.dumps(tool, sort_keys=True))
    return total
