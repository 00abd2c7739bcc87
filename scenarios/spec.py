"""The scenario file format, as pydantic models: validated at load, and exported as a JSON Schema for editors.

A file holds ``scenarios:``, a list (a file may also be one scenario, or a bare list). Each scenario has match
conditions and ordered ``turns``; turn N answers the request whose thread already holds N model replies, so a
scenario plays the same whether the client chains with ``previous_response_id``, uses a ``conversation`` or
resends the whole history. See README "Scenario files" for a worked example.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PHASES = Literal["commentary", "final_answer"]
INCOMPLETE_REASONS = Literal["max_output_tokens", "content_filter", "max_messages"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorSpec(_Strict):
    """An HTTP error answered instead of the turn (before any stream starts)."""

    status: int = Field(ge=400, le=599, description="HTTP status, e.g. 429, 500, 503.")
    message: str | None = Field(None, description="Error message; defaults to the real API's for the status.")
    type: str | None = Field(None, description="Error type; defaults by status (invalid_request_error, requests…).")
    code: str | None = Field(None, description="Error code, e.g. rate_limit_exceeded.")
    param: str | None = None
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra response headers, e.g. retry-after-ms, x-should-retry."
    )
    times: int | Literal["always"] = Field(
        1, description="How many requests reaching this turn get the error before it answers normally."
    )

    @field_validator("times")
    @classmethod
    def _positive(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError("times must be at least 1, or 'always'")
        return value


class MessageSpec(_Strict):
    text: str = Field(description="The reply; {name} is replaced by the match's named groups and {input}.")
    phase: PHASES | None = None


class FunctionCallSpec(_Strict):
    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict, description="An object, or a JSON string.")
    call_id: str | None = None


class ReasoningSpec(_Strict):
    summary: list[str] = Field(default_factory=list, description="Summary paragraphs (sent when requested).")
    tokens: int = Field(64, ge=0, description="Reasoning tokens billed.")


class OutputItemSpec(_Strict):
    """Exactly one of the keys: one output item of the turn, in order."""

    message: str | MessageSpec | None = None
    refusal: str | None = None
    function_call: FunctionCallSpec | None = None
    reasoning: str | ReasoningSpec | None = None
    tool_call: dict[str, Any] | None = Field(
        None,
        description="Any other output item in its final form, with its 'type': web_search_call, "
        "file_search_call, code_interpreter_call, image_generation_call, mcp_call, custom_tool_call…",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> OutputItemSpec:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"an output item needs exactly one of {list(type(self).model_fields)}, got {given}")
        if self.tool_call is not None and not isinstance(self.tool_call.get("type"), str):
            raise ValueError("tool_call needs a 'type', e.g. web_search_call")
        return self


class FailSpec(_Strict):
    """End the response as ``failed`` after the turn's output: an ``error`` event, then ``response.failed``."""

    code: str = "server_error"
    message: str | None = Field(None, description="Defaults to the real API's generic processing error.")
    partial: bool = Field(False, description="Cut the last message off halfway instead of finishing it.")


class LatencySpec(_Strict):
    delay_ms: float = Field(0, ge=0, description="Wait before the response starts (streamed or not).")
    time_to_first_token_ms: float = Field(0, ge=0)
    tokens_per_second: float = Field(0, ge=0, description="0: as fast as possible.")
    jitter: float = Field(0, ge=0, le=1)


class BackgroundSpec(_Strict):
    """How a ``background: true`` response to this turn progresses: queued, then in progress, for so long."""

    queued_seconds: float = Field(0, ge=0, description="Stay queued at least this long (emulator's clock).")
    queued_polls: int = Field(0, ge=0, description="…and until retrieved this many times.")
    in_progress_seconds: float = Field(0, ge=0, description="Then stay in progress at least this long.")
    in_progress_polls: int = Field(0, ge=0, description="…and until retrieved this many more times.")


class TurnSpec(_Strict):
    """One model reply: output items, or an error, a mid-stream fault, an incomplete ending, latency."""

    output: list[OutputItemSpec] = Field(default_factory=list)
    error: ErrorSpec | None = None
    fail: FailSpec | None = None
    incomplete: INCOMPLETE_REASONS | None = None
    drop_after_events: int | None = Field(
        None, ge=0, description="Streams only: close the connection after this many events."
    )
    latency: LatencySpec | None = None
    background: BackgroundSpec | None = Field(None, description="Progression of a background response.")

    @model_validator(mode="after")
    def _says_something(self) -> TurnSpec:
        if not self.output and self.error is None and self.fail is None:
            raise ValueError("a turn needs output, an error or a fail")
        if self.error is not None and self.error.times == "always" and self.output:
            raise ValueError("a turn whose error is 'always' never answers: remove its output")
        return self


class MatchSpec(_Strict):
    """All given conditions must hold. No conditions: the scenario matches every request."""

    model: str | None = Field(None, description="Glob on the model name, e.g. 'gpt-4o*'.")
    message: str | None = Field(
        None, description="Regex searched in the last user message; named groups fill {name} in replies."
    )
    metadata: dict[str, str] = Field(default_factory=dict, description="Subset of the request metadata.")
    headers: dict[str, str] = Field(default_factory=dict, description="Request headers that must be equal.")
    tools: list[str] = Field(default_factory=list, description="Names (or types) of tools that must be offered.")
    tool_output: bool | None = Field(None, description="Whether tool outputs follow the last user message.")

    @field_validator("message")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regex: {exc}") from exc
        return value


class ScenarioSpec(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    description: str | None = None
    match: MatchSpec = Field(default_factory=lambda: MatchSpec())
    turns: list[TurnSpec] = Field(min_length=1)
    after_last_turn: Literal["error", "repeat_last", "default_model"] = Field(
        "error",
        description="What a request past the last turn gets: a loud error, the last turn again, or the default model.",
    )


class ScenarioFileSpec(_Strict):
    scenarios: list[ScenarioSpec] = Field(min_length=1)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (``scenarios/scenario.schema.json`` is generated from it)."""
    schema = ScenarioFileSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "openai-emulator scenario file"
    return schema
