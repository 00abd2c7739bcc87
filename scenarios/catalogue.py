"""The model catalogue: every model the SDK names, with the facts the emulator needs about it.

Built from the SDK's own model literals (``openai.types.shared.ResponsesModel``), as written out by
``python -m server.protocol.sdk_snapshot_build`` into ``scenarios.sdk_models``, so that a new SDK pin brings
its new models along (the snapshot's drift test fails until it is regenerated) without the runtime importing
the SDK. Facts per family (context window, maximum output, reasoning, echo defaults) are
public documentation; where the real API's behaviour for a family is unknown the closest documented family's
behaviour is used.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from scenarios.sdk_models import MODEL_NAMES

_DATE_SUFFIX = re.compile(r"-(\d{4})-(\d{2})-(\d{2})$")
# The date the emulator reports as ``created`` for models whose name carries no date.
_UNDATED_CREATED = 1_700_000_000

# Known alias -> dated snapshot echoes (REFERENCE §B.1 "Echo: dated snapshot"). Where the real alias moves
# between snapshots the one the API resolved to in 2026 observations is used; the rest echo unchanged.
_SNAPSHOTS: dict[str, str] = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-4-turbo": "gpt-4-turbo-2024-04-09",
    "gpt-5": "gpt-5-2025-08-07",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-5-nano": "gpt-5-nano-2025-08-07",
    "gpt-5-pro": "gpt-5-pro-2025-10-06",
    "gpt-5.1": "gpt-5.1-2025-11-13",
    "gpt-5.2": "gpt-5.2-2025-12-11",
    "gpt-5.2-pro": "gpt-5.2-pro-2025-12-11",
    "gpt-5.4-mini": "gpt-5.4-mini-2026-03-17",
    "gpt-5.4-nano": "gpt-5.4-nano-2026-03-17",
    "gpt-5.5": "gpt-5.5-2026-04-23",
    "gpt-5.5-pro": "gpt-5.5-pro-2026-04-23",
    "o1": "o1-2024-12-17",
    "o1-pro": "o1-pro-2025-03-19",
    "o3": "o3-2025-04-16",
    "o3-pro": "o3-pro-2025-06-10",
    "o3-mini": "o3-mini-2025-01-31",
    "o4-mini": "o4-mini-2025-04-16",
    "o3-deep-research": "o3-deep-research-2025-06-26",
    "o4-mini-deep-research": "o4-mini-deep-research-2025-06-26",
    "computer-use-preview": "computer-use-preview-2025-03-11",
}

ALL_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the emulator knows about one model name."""

    id: str
    snapshot: str  # the name the Response echoes in ``model``
    family: str
    reasoning: bool
    context_window: int
    max_output_tokens: int
    created: int
    known: bool = True
    reasoning_efforts: tuple[str, ...] = ()  # supported reasoning.effort values (reasoning models)
    default_effort: str | None = None
    reasoning_context: str | None = None  # echoed reasoning.context default
    reasoning_mode: str | None = None  # echoed reasoning.mode default
    default_top_p: float = 1.0
    prompt_cache_retention: str = "in_memory"
    message_phase: str | None = None  # "final_answer" on models that label their messages


@dataclass(frozen=True, slots=True)
class _Family:
    name: str
    pattern: re.Pattern[str]
    reasoning: bool
    context_window: int
    max_output_tokens: int
    efforts: tuple[str, ...] = ()
    default_effort: str | None = None
    reasoning_context: str | None = None
    reasoning_mode: str | None = None
    default_top_p: float = 1.0
    prompt_cache_retention: str = "in_memory"
    message_phase: str | None = None


def _f(name: str, pattern: str, **kwargs: typing.Any) -> _Family:
    return _Family(name=name, pattern=re.compile(pattern), **kwargs)


_GPT5 = dict(reasoning=True, reasoning_context="current_turn", reasoning_mode="standard")
_GPT56 = dict(
    reasoning=True,
    context_window=1_050_000,
    max_output_tokens=128_000,
    efforts=("none", "low", "medium", "high", "xhigh", "max"),
    default_effort="medium",
    reasoning_context="all_turns",
    reasoning_mode="standard",
    default_top_p=0.98,
    prompt_cache_retention="24h",
    message_phase="final_answer",
)

# First match wins, so specific patterns come before general ones.
_FAMILIES: tuple[_Family, ...] = (
    _f(
        "gpt-5-chat",
        r"^gpt-5(\.\d+)?-chat",
        reasoning=False,
        context_window=128_000,
        max_output_tokens=16_384,
    ),
    _f("gpt-6", r"^gpt-6", **_GPT56),
    _f("gpt-5.6", r"^gpt-5\.6", **_GPT56),
    _f(
        "gpt-5.5",
        r"^gpt-5\.5",
        **{**_GPT56, "reasoning_context": "current_turn", "default_top_p": 1.0},
    ),
    _f(
        "gpt-5.4",
        r"^gpt-5\.4",
        context_window=400_000,
        max_output_tokens=128_000,
        efforts=("none", "low", "medium", "high", "xhigh"),
        default_effort="none",
        message_phase="final_answer",
        **_GPT5,
    ),
    _f(
        "gpt-5.3",
        r"^gpt-5\.3",
        context_window=400_000,
        max_output_tokens=128_000,
        efforts=("none", "low", "medium", "high", "xhigh"),
        default_effort="medium",
        message_phase="final_answer",
        **_GPT5,
    ),
    _f(
        "gpt-5.2",
        r"^gpt-5\.2",
        context_window=400_000,
        max_output_tokens=128_000,
        efforts=("none", "low", "medium", "high", "xhigh"),
        default_effort="none",
        **_GPT5,
    ),
    _f(
        "gpt-5.1",
        r"^gpt-5\.1",
        context_window=400_000,
        max_output_tokens=128_000,
        efforts=("none", "low", "medium", "high"),
        default_effort="none",
        **_GPT5,
    ),
    _f(
        "gpt-5",
        r"^gpt-5",
        context_window=400_000,
        max_output_tokens=128_000,
        efforts=("minimal", "low", "medium", "high"),
        default_effort="medium",
        **_GPT5,
    ),
    _f(
        "codex",
        r"^codex",
        context_window=200_000,
        max_output_tokens=100_000,
        efforts=("low", "medium", "high"),
        default_effort="medium",
        **_GPT5,
    ),
    _f("gpt-daybreak", r"^gpt-(daybreak|rosalind)", **_GPT56),
    _f(
        "o1-mini",
        r"^o1-mini",
        reasoning=True,
        context_window=128_000,
        max_output_tokens=65_536,
        efforts=("low", "medium", "high"),
        default_effort="medium",
    ),
    _f(
        "o1-preview",
        r"^o1-preview",
        reasoning=True,
        context_window=128_000,
        max_output_tokens=32_768,
        efforts=("low", "medium", "high"),
        default_effort="medium",
    ),
    _f(
        "o-series",
        r"^o\d",
        reasoning=True,
        context_window=200_000,
        max_output_tokens=100_000,
        efforts=("low", "medium", "high"),
        default_effort="medium",
    ),
    _f(
        "computer-use",
        r"^computer-use",
        reasoning=True,
        context_window=8_192,
        max_output_tokens=1_024,
        efforts=("low", "medium", "high"),
        default_effort="medium",
    ),
    _f("gpt-4.1", r"^gpt-4\.1", reasoning=False, context_window=1_047_576, max_output_tokens=32_768),
    _f(
        "gpt-4o",
        r"^(gpt-4o|chatgpt-4o|gpt-audio)",
        reasoning=False,
        context_window=128_000,
        max_output_tokens=16_384,
    ),
    _f(
        "gpt-4-turbo",
        r"^gpt-4-(turbo|\d{4}-preview|vision)",
        reasoning=False,
        context_window=128_000,
        max_output_tokens=4_096,
    ),
    _f("gpt-4-32k", r"^gpt-4-32k", reasoning=False, context_window=32_768, max_output_tokens=8_192),
    _f("gpt-4", r"^gpt-4", reasoning=False, context_window=8_192, max_output_tokens=8_192),
    _f("gpt-3.5", r"^gpt-3\.5", reasoning=False, context_window=16_385, max_output_tokens=4_096),
)

_UNKNOWN = _Family(
    name="unknown", pattern=re.compile(""), reasoning=False, context_window=128_000, max_output_tokens=16_384
)


def _created(name: str) -> int:
    match = _DATE_SUFFIX.search(name)
    if not match:
        return _UNDATED_CREATED
    year, month, day = (int(g) for g in match.groups())
    return int(datetime(year, month, day, tzinfo=UTC).timestamp())


def _family_of(name: str) -> _Family:
    for family in _FAMILIES:
        if family.pattern.search(name):
            return family
    return _UNKNOWN


def _info(name: str, *, known: bool) -> ModelInfo:
    family = _family_of(name)
    snapshot = _SNAPSHOTS.get(name, name)
    return ModelInfo(
        id=name,
        snapshot=snapshot,
        family=family.name,
        reasoning=family.reasoning,
        context_window=family.context_window,
        max_output_tokens=family.max_output_tokens,
        created=_created(snapshot),
        known=known,
        reasoning_efforts=family.efforts,
        default_effort=family.default_effort,
        reasoning_context=family.reasoning_context,
        reasoning_mode=family.reasoning_mode,
        default_top_p=family.default_top_p,
        prompt_cache_retention=family.prompt_cache_retention,
        message_phase=family.message_phase,
    )


def known_model_names() -> tuple[str, ...]:
    """Every model name the pinned SDK lists, in the SDK's order, without duplicates."""
    return MODEL_NAMES


@lru_cache(maxsize=1)
def catalogue() -> dict[str, ModelInfo]:
    """Name -> ModelInfo for every known model."""
    return {name: _info(name, known=True) for name in known_model_names()}


def lookup(name: str) -> ModelInfo | None:
    """The catalogue entry for ``name``, or None for a name the SDK does not list."""
    return catalogue().get(name)


def resolve(name: str) -> ModelInfo:
    """The entry for ``name``; unknown names get non-reasoning defaults and echo unchanged."""
    return catalogue().get(name) or _info(name, known=False)


_OVERRIDABLE = tuple(f.name for f in dataclasses.fields(ModelInfo) if f.name not in ("id", "known"))
_POSITIVE_INTS = ("context_window", "max_output_tokens")


def with_overrides(info: ModelInfo, changes: Mapping[str, typing.Any]) -> ModelInfo:
    """``info`` with some facts replaced (the ``model_overrides`` setting); an overridden name counts as known.

    Raises ``ValueError`` naming the model and the field for an unknown field or an unusable value, so a bad
    setting stops start-up instead of surfacing on the first request.
    """
    unknown = sorted(set(changes) - set(_OVERRIDABLE))
    if unknown:
        raise ValueError(
            f"model_overrides['{info.id}']: unknown field {', '.join(map(repr, unknown))}; "
            f"expected some of {', '.join(_OVERRIDABLE)}"
        )
    values = dict(changes)
    for name in _POSITIVE_INTS:
        value = values.get(name)
        if name in values and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ValueError(f"model_overrides['{info.id}'].{name}: expected a positive integer, got {value!r}")
    if "reasoning_efforts" in values:
        values["reasoning_efforts"] = tuple(values["reasoning_efforts"])
    return dataclasses.replace(info, known=True, **values)
