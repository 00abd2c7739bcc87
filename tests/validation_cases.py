"""Bad requests and the exact error envelope the real API answers them with — pure data, no server imports.

Each row is one request and the full ``{"error": {...}}`` body expected back. Rows marked ``[OBS]`` in their
id comment reproduce a direct observation (REFERENCE §B, OBS-A: gpt-5.6-terra, 2026-08-30); the rest follow
the documented conventions and are the emulator's best inference.

``stage`` says which phase of REFERENCE §B.4 answers the row:

* ``json`` — the body is raw bytes that are not valid JSON;
* ``schema`` — steps 1–6 (shape, unknown keys, items, per-field checks, mutual exclusion);
* ``capability`` — step 9, which needs the model named in the body (``gpt-5.6-terra``, ``gpt-5``,
  ``gpt-4.1``); an HTTP-level test can send every row as is.

``endpoint`` is the path the body is POSTed to. ``QUERY_CASES`` and ``ID_CASES`` cover GET query strings and
malformed path ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RESPONSES = "/v1/responses"
INPUT_TOKENS = "/v1/responses/input_tokens"

REASONING_MODEL = "gpt-5.6-terra"
PLAIN_MODEL = "gpt-4.1"

INCLUDE_VALUES = (
    "Supported values are: 'file_search_call.results', 'web_search_call.results', "
    "'web_search_call.action.sources', 'message.input_image.image_url', 'computer_call_output.output.image_url', "
    "'code_interpreter_call.outputs', 'reasoning.encrypted_content', and 'message.output_text.logprobs'."
)
ITEM_TYPES = (
    "Supported values are: 'additional_tools', 'agent_message', 'apply_patch_call', 'apply_patch_call_output', "
    "'code_interpreter_call', 'compaction', 'compaction_trigger', 'computer_call', 'computer_call_output', "
    "'custom_tool_call', 'custom_tool_call_output', 'file_search_call', 'function_call', 'function_call_output', "
    "'image_generation_call', 'item_reference', 'local_shell_call', 'local_shell_call_output', "
    "'mcp_approval_request', 'mcp_approval_response', 'mcp_call', 'mcp_list_tools', 'message', "
    "'multi_agent_call', 'multi_agent_call_output', 'program', 'program_output', 'reasoning', 'shell_call', "
    "'shell_call_output', 'tool_search_call', 'tool_search_output', and 'web_search_call'."
)
ROLES = "Supported values are: 'assistant', 'system', 'developer', and 'user'."
CONTENT_TYPES = (
    "Supported values are: 'input_text', 'input_image', 'input_audio', 'output_text', 'refusal', 'input_file', "
    "'computer_screenshot', 'summary_text', and 'encrypted_content'."
)
TOOL_TYPES = (
    "Supported values are: 'function', 'file_search', 'computer', 'computer_use_preview', 'web_search', "
    "'web_search_2025_08_26', 'mcp', 'code_interpreter', 'programmatic_tool_calling', 'image_generation', "
    "'local_shell', 'shell', 'custom', 'namespace', 'tool_search', 'web_search_preview', "
    "'web_search_preview_2025_03_11', and 'apply_patch'."
)
TOOL_CHOICE_TYPES = (
    "Supported values are: 'allowed_tools', 'file_search', 'web_search_preview', 'computer', "
    "'computer_use_preview', 'computer_use', 'web_search_preview_2025_03_11', 'image_generation', "
    "'code_interpreter', 'function', 'mcp', 'custom', 'programmatic_tool_calling', 'apply_patch', and 'shell'."
)
JSON_HINT = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
    "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you "
    "have trouble figuring out how to fix this, please contact us through our help center at "
    "help.openai.com.)"
)
MESSAGES_MOVED = (
    "Unsupported parameter: 'messages'. In the Responses API, this parameter has moved to 'input'. Try again "
    "with the new parameter. See the API documentation for more information: "
    "https://platform.openai.com/docs/api-reference/responses/create."
)
MUTUALLY_EXCLUSIVE = (
    "Mutually exclusive parameters: ''. Ensure you are only providing one of: 'pre..._id' or 'conversation'."
)
EFFORTS = "'none', 'minimal', 'low', 'medium', 'high', 'xhigh', and 'max'"
INCLUDE_TYPE = (
    "Invalid type for 'include': expected an array of one of 'fil...lts', 'web...lts', 'web...ces', 'mes...url', "
    "'com...url', 'cod...uts', 'rea...ent', or 'mes...obs', but got a string instead."
)
LOGPROBS = "logprobs are not supported with reasoning models."

DELETE = object()  # marks a key to remove from the base body
RTOOL = {"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}
ASSISTANT_ITEM = {
    "id": "msg_probe",
    "type": "message",
    "status": "completed",
    "role": "assistant",
    "phase": "final_answer",
    "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": "OK"}],
}


def err(message: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    """The full error envelope (key order message, type, param, code)."""
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


def body(extra: dict[str, Any] | None = None, /, **fields: Any) -> dict[str, Any]:
    """The observed probes' base body ``{model: gpt-5.6-terra, input: "ping", max_output_tokens: 16}`` plus
    ``fields``; a value of ``DELETE`` removes the key."""
    out: dict[str, Any] = {"model": REASONING_MODEL, "input": "ping", "max_output_tokens": 16}
    for key, value in {**(extra or {}), **fields}.items():
        if value is DELETE:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def typed(param: str, expected: str, got: str) -> dict[str, Any]:
    return err(f"Invalid type for '{param}': expected {expected}, but got {got} instead.", param, "invalid_type")


def value(param: str, bad: str, supported: str) -> dict[str, Any]:
    return err(f"Invalid value: '{bad}'. {supported}", param, "invalid_value")


def unknown(param: str, hint: str = "") -> dict[str, Any]:
    return err(f"Unknown parameter: '{param}'.{hint}", param, "unknown_parameter")


def missing(param: str) -> dict[str, Any]:
    return err(f"Missing required parameter: '{param}'.", param, "missing_required_parameter")


def below(param: str, bound: str, got: str, kind: str = "integer") -> dict[str, Any]:
    return err(
        f"Invalid '{param}': {kind} below minimum value. Expected a value >= {bound}, but got {got} instead.",
        param,
        f"{kind}_below_min_value",
    )


def above(param: str, bound: str, got: str, kind: str = "integer") -> dict[str, Any]:
    return err(
        f"Invalid '{param}': {kind} above maximum value. Expected a value <= {bound}, but got {got} instead.",
        param,
        f"{kind}_above_max_value",
    )


def unsupported(param: str) -> dict[str, Any]:
    return err(f"Unsupported parameter: '{param}' is not supported with this model.", param, None)


@dataclass(frozen=True)
class Case:
    """One bad request: ``body`` is a JSON-able value, or raw ``bytes`` for the ``json`` stage."""

    id: str
    body: Any
    error: dict[str, Any]
    status: int = 400
    stage: str = "schema"
    endpoint: str = RESPONSES


@dataclass(frozen=True)
class QueryCase:
    """One bad query string for ``GET /v1/responses/{id}`` (``retrieve``) or ``…/input_items`` (``list``)."""

    id: str
    kind: str
    params: list[tuple[str, str]] = field(default_factory=list)
    error: dict[str, Any] = field(default_factory=dict)
    status: int = 400


def _many_metadata(n: int) -> dict[str, str]:
    return {f"k{i}": "v" for i in range(n)}


CASES: list[Case] = [
    # ---------------------------------------------------------------- not JSON / not an object
    Case("json-empty-body", b"", err(JSON_HINT), stage="json"),
    Case("json-trailing-garbage", b'{"model": "gpt-4.1", "input": "x"} x', err(JSON_HINT), stage="json"),
    Case("json-single-quotes", b"{'model': 'gpt-4.1'}", err(JSON_HINT), stage="json"),
    Case("json-nan-token", b'{"model": "gpt-4.1", "input": "x", "temperature": NaN}', err(JSON_HINT), stage="json"),
    Case(
        "json-infinity-token", b'{"model": "gpt-4.1", "input": "x", "top_p": -Infinity}', err(JSON_HINT), stage="json"
    ),
    Case("json-invalid-utf8", b'{"model": "gpt-4.1", "input": "\xff\xfe"}', err(JSON_HINT), stage="json"),
    Case("json-byte-order-mark", b'\xef\xbb\xbf{"model": "gpt-4.1", "input": "x"}', err(JSON_HINT), stage="json"),
    Case(
        "json-number-overflow",
        b'{"model": "gpt-4.1", "input": "x", "temperature": 1e999}',
        err(JSON_HINT),
        stage="json",
    ),
    Case(
        "body-is-an-array",
        [],
        err("Invalid type for body: expected an object, but got an array instead.", None, "invalid_type"),
    ),
    Case(
        "body-is-a-string",
        "hi",
        err("Invalid type for body: expected an object, but got a string instead.", None, "invalid_type"),
    ),
    # ---------------------------------------------------------------- model and input presence  [OBS]
    Case("model-absent", body(model=DELETE), missing("model")),
    Case("model-null-reads-an-object", body(model=None), typed("model", "a string", "an object")),
    Case("model-integer", body(model=7), typed("model", "a string", "an integer")),
    Case(
        "model-empty-string", body(model=""), err("The requested model '' does not exist.", "model", "model_not_found")
    ),
    Case("model-absent-beats-unknown-key", body(model=DELETE, zzz_unknown=1), missing("model")),
    Case("input-absent", body(input=DELETE), missing("input")),
    Case("input-absent-beats-unknown-key", body(input=DELETE, zzz_unknown=1), missing("input")),
    Case("input-absent-beats-bad-field", body(input=DELETE, truncation="bogus"), missing("input")),
    Case("input-absent-beats-state-phase", body(input=DELETE, previous_response_id="resp_x"), missing("input")),
    Case("input-absent-loses-to-missing-model", body(input=DELETE, model=DELETE), missing("model")),
    Case("input-empty-loses-to-unknown-key", body(input=[], zzz_unknown=1), unknown("zzz_unknown")),
    Case(
        "input-empty-loses-to-bad-field",
        body(input=[], truncation="bogus"),
        value("truncation", "bogus", "Supported values are: 'auto' and 'disabled'."),
    ),
    Case("input-null", body(input=None), typed("input", "a string", "an object")),
    Case("input-object", body(input={"a": 1}), typed("input", "one of a string or array of input items", "an object")),
    Case(
        "input-integer-beats-truncation",
        body(input=7, truncation="bogus"),
        typed("input", "one of a string or array of input items", "an integer"),
    ),
    Case(
        "input-integer-beats-previous-response",
        body(input=7, previous_response_id="resp_x"),
        typed("input", "one of a string or array of input items", "an integer"),
    ),
    # ---------------------------------------------------------------- unknown top-level keys  [OBS]
    Case("unknown-key", body(zzz_unknown=1), unknown("zzz_unknown")),
    Case("unknown-chat-key-n", body(n=2), unknown("n")),
    Case("unknown-chat-key-stop-hints-store", body(stop=["ZZ"]), unknown("stop", " Did you mean 'store'?")),
    Case("unknown-chat-key-seed", body(seed=1), unknown("seed")),
    Case("unknown-chat-key-logprobs", body(logprobs=True), unknown("logprobs")),
    Case("unknown-chat-key-max-tokens", body(max_tokens=16), unknown("max_tokens")),
    Case(
        "messages-has-moved-to-input",
        body(messages=[{"role": "user", "content": "ping"}]),
        err(MESSAGES_MOVED, None, "unsupported_parameter"),
    ),
    Case("hint-at-distance-two", body(sto=1), unknown("sto", " Did you mean 'store'?")),
    Case("no-hint-at-distance-three", body(st=1), unknown("st")),
    Case("hint-two-candidates", body(stre=1), unknown("stre", " Did you mean 'store' or 'stream'?")),
    Case("hint-nearer-candidate-first", body(strem=1), unknown("strem", " Did you mean 'stream' or 'store'?")),
    Case("hint-tools", body(tool=1), unknown("tool", " Did you mean 'tools'?")),
    Case("hint-user", body(usr=1), unknown("usr", " Did you mean 'user'?")),
    Case("hint-include", body(inclde=1), unknown("inclde", " Did you mean 'include'?")),
    Case("hint-temperature", body(temperatur=1), unknown("temperatur", " Did you mean 'temperature'?")),
    Case("no-hint-for-a-key-already-sent", body(inpu=1), unknown("inpu")),
    Case("no-hint-for-model-already-sent", body(modell=1), unknown("modell")),
    Case(
        "unknown-key-beats-bad-input-item",
        body(input=[{"role": "user", "content": "ping", "bogus": 1}], zzz_unknown=1),
        unknown("zzz_unknown"),
    ),
    Case("first-unknown-key-in-body-order-wins", body(aaa_first=1, zzz_second=2), unknown("aaa_first")),
    # ---------------------------------------------------------------- input items  [OBS unless noted]
    Case(
        "item-unknown-member", body(input=[{"role": "user", "content": "ping", "bogus": 1}]), unknown("input[0].bogus")
    ),
    Case(
        "item-phase-on-user",
        body(input=[{"role": "user", "content": "ping", "phase": "final_answer"}]),
        unknown("input[0].phase"),
    ),
    Case(
        "item-phase-unknown-value",
        body(input=[{**ASSISTANT_ITEM, "phase": "bogus"}, {"role": "user", "content": "ping"}]),
        value("input[0].phase", "bogus", "Supported values are: 'commentary' and 'final_answer'."),
    ),
    Case(
        "item-assistant-unknown-member",
        body(input=[{**ASSISTANT_ITEM, "zzz": 1}, {"role": "user", "content": "ping"}]),
        unknown("input[0].zzz"),
    ),
    Case(
        "item-assistant-with-input-text",
        body(
            input=[
                {"role": "assistant", "content": [{"type": "input_text", "text": "x"}]},
                {"role": "user", "content": "ping"},
            ]
        ),
        value("input[0].content[0]", "input_text", "Supported values are: 'output_text' and 'refusal'."),
    ),
    Case("item-primitive", body(input=[7]), typed("input[0]", "an input item", "an integer")),
    Case("item-null-reads-null", body(input=[None]), typed("input[0]", "an input item", "null")),
    Case(
        "item-type-not-a-string",
        body(input=[{"type": 7, "role": "user", "content": "ping"}]),
        value("input[0]", "", ITEM_TYPES),
    ),
    Case("item-type-unknown", body(input=[{"type": "bogus_item"}]), value("input[0]", "bogus_item", ITEM_TYPES)),
    Case("item-role-unknown", body(input=[{"role": "bogus", "content": "ping"}]), value("input[0]", "bogus", ROLES)),
    Case("item-empty-object", body(input=[{}]), value("input[0]", "", ROLES)),
    Case("item-without-content", body(input=[{"role": "user"}]), missing("input[0].content")),
    Case("item-beats-later-field", body(input=[{}], truncation="bogus"), value("input[0]", "", ROLES)),
    Case("item-beats-state-phase", body(input=[{}], previous_response_id="resp_x"), value("input[0]", "", ROLES)),
    Case("item-beats-capability-pass", body(input=[{}], temperature=0.5), value("input[0]", "", ROLES)),
    Case(
        "content-part-unknown-type",
        body(input=[{"role": "user", "content": [{"type": "bogus", "text": "x"}]}]),
        value("input[0].content[0].type", "bogus", CONTENT_TYPES),
    ),
    Case(
        "content-part-wrong-variant-for-user",
        body(input=[{"role": "user", "content": [{"type": "output_text", "text": "x"}]}]),
        value(
            "input[0].content[0]",
            "output_text",
            "Supported values are: 'input_text', 'input_image', 'input_file', 'scoped_content', and 'input_audio'.",
        ),
    ),
    Case(
        "content-part-without-text",
        body(input=[{"role": "user", "content": [{"type": "input_text"}]}]),
        missing("input[0].content[0].text"),
    ),
    # inferred: later items, typed items and nested members, by the same conventions
    Case(
        "second-item-reported-by-index",
        body(input=[{"role": "user", "content": "ping"}, 7]),
        typed("input[1]", "an input item", "an integer"),
    ),
    Case(
        "item-content-integer",
        body(input=[{"role": "user", "content": 5}]),
        typed("input[0].content", "one of a string or array of input content", "an integer"),
    ),
    Case(
        "item-status-unknown",
        body(input=[{"role": "user", "content": "x", "status": "done"}]),
        value("input[0].status", "done", "Supported values are: 'in_progress', 'completed', and 'incomplete'."),
    ),
    Case(
        "content-part-without-type",
        body(input=[{"role": "user", "content": [{"text": "x"}]}]),
        missing("input[0].content[0].type"),
    ),
    Case(
        "content-part-unknown-member",
        body(input=[{"role": "user", "content": [{"type": "input_text", "text": "x", "bogus": 1}]}]),
        unknown("input[0].content[0].bogus"),
    ),
    Case(
        "input-image-detail-unknown",
        body(
            input=[
                {
                    "role": "user",
                    "content": [{"type": "input_image", "image_url": "https://x/y.png", "detail": "ultra"}],
                }
            ]
        ),
        value("input[0].content[0].detail", "ultra", "Supported values are: 'low', 'high', 'auto', and 'original'."),
    ),
    Case(
        "function-call-without-call-id",
        body(input=[{"type": "function_call", "name": "f", "arguments": "{}"}]),
        missing("input[0].call_id"),
    ),
    Case(
        "function-call-arguments-not-a-string",
        body(input=[{"type": "function_call", "call_id": "c", "name": "f", "arguments": {"a": 1}}]),
        typed("input[0].arguments", "a string", "an object"),
    ),
    Case(
        "function-call-output-unknown-member",
        body(input=[{"type": "function_call_output", "call_id": "c", "output": "ok", "bogus": 1}]),
        unknown("input[0].bogus"),
    ),
    Case(
        "function-call-output-without-output",
        body(input=[{"type": "function_call_output", "call_id": "c"}]),
        missing("input[0].output"),
    ),
    Case("item-reference-without-id", body(input=[{"type": "item_reference"}]), missing("input[0].id")),
    Case(
        "reasoning-item-summary-not-an-array",
        body(input=[{"type": "reasoning", "id": "rs_1", "summary": "x"}]),
        typed("input[0].summary", "an array", "a string"),
    ),
    # ---------------------------------------------------------------- include  [OBS]
    Case("include-unknown-member", body(include=["bogus.thing"]), value("include[0]", "bogus.thing", INCLUDE_VALUES)),
    Case("include-as-a-string", body(include="wrong type"), err(INCLUDE_TYPE, "include", "invalid_type")),
    Case(
        "include-second-member-reported-by-index",
        body(include=["reasoning.encrypted_content", "nope"]),
        value("include[1]", "nope", INCLUDE_VALUES),
    ),
    Case(
        "order-moderation-beats-include",
        body(moderation="x", include=["bogus.thing"]),
        typed("moderation", "an object", "a string"),
    ),
    Case(
        "order-include-beats-tools",
        body(include=["bogus.thing"], tools="x"),
        value("include[0]", "bogus.thing", INCLUDE_VALUES),
    ),
    Case(
        "order-prompt-position-after-include",
        body(prompt={"id": "pmpt_x"}, include=["bogus.thing"]),
        value("include[0]", "bogus.thing", INCLUDE_VALUES),
    ),
    Case(
        "include-logprobs-schema-loses-to-tools",
        body(include=["message.output_text.logprobs"], tools="x"),
        typed("tools", "an array of tools", "a string"),
    ),
    # ---------------------------------------------------------------- tools
    Case("tools-member-without-type", body(tools=[{}]), missing("tools[0].type")),
    Case("tools-function-without-name", body(tools=[{"type": "function"}]), missing("tools[0].name")),
    Case(
        "tools-chat-shaped-function",
        body(
            tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]
        ),
        missing("tools[0].name"),
    ),
    Case("tools-as-a-string", body(tools="wrong type"), typed("tools", "an array of tools", "a string")),
    Case("tools-unknown-type", body(tools=[{"type": "browser"}]), value("tools[0].type", "browser", TOOL_TYPES)),
    Case(
        "tools-function-name-pattern",
        body(tools=[{**RTOOL, "name": "my.tool"}]),
        err(
            "Invalid 'tools[0].name': string does not match pattern."
            " Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
            "tools[0].name",
            "invalid_value",
        ),
    ),
    Case(
        "tools-function-name-too-long",
        body(tools=[{**RTOOL, "name": "f" * 65}]),
        err(
            "Invalid 'tools[0].name': string too long."
            " Expected a string with maximum length 64, but got a string with length 65 instead.",
            "tools[0].name",
            "string_above_max_length",
        ),
    ),
    Case(
        "tools-function-parameters-not-an-object",
        body(tools=[{**RTOOL, "parameters": "x"}]),
        typed("tools[0].parameters", "an object", "a string"),
    ),
    Case(
        "tools-function-strict-not-a-boolean",
        body(tools=[{**RTOOL, "strict": "yes"}]),
        typed("tools[0].strict", "a boolean", "a string"),
    ),
    Case("tools-function-unknown-member", body(tools=[{**RTOOL, "bogus": 1}]), unknown("tools[0].bogus")),
    Case(
        "tools-file-search-without-vector-stores",
        body(tools=[{"type": "file_search"}]),
        missing("tools[0].vector_store_ids"),
    ),
    Case(
        "tools-mcp-without-server-label",
        body(tools=[{"type": "mcp", "server_url": "https://x"}]),
        missing("tools[0].server_label"),
    ),
    Case(
        "tools-second-member-reported-by-index",
        body(tools=[RTOOL, {"type": "function", "name": "g", "parameters": []}]),
        typed("tools[1].parameters", "an object", "an array"),
    ),
    Case("order-tools-beats-metadata", body(tools="x", metadata="x"), typed("tools", "an array of tools", "a string")),
    # ---------------------------------------------------------------- metadata
    Case(
        "metadata-too-many-properties",
        body(metadata=_many_metadata(17)),
        err(
            "Invalid 'metadata': too many properties."
            " Expected an object with at most 16 properties, but got an object with 17 properties instead.",
            "metadata",
            "object_above_max_properties",
        ),
    ),
    Case("metadata-as-a-string", body(metadata="x"), typed("metadata", "a metadata object", "a string")),
    Case(
        "metadata-value-too-long",
        body(metadata={"k": "v" * 513}),
        err(
            "Invalid 'metadata.k': string too long."
            " Expected a string with maximum length 512, but got a string with length 513 instead.",
            "metadata.k",
            "string_above_max_length",
        ),
    ),
    Case(
        "metadata-key-too-long",
        body(metadata={"k" * 65: "v"}),
        err(
            "Invalid 'metadata': key too long."
            " Expected a key with maximum length 64, but got a key with length 65 instead.",
            "metadata",
            "string_above_max_length",
        ),
    ),
    Case("metadata-value-not-a-string", body(metadata={"k": 1}), typed("metadata.k", "a string", "an integer")),
    Case("order-metadata-beats-text", body(metadata="x", text="x"), typed("metadata", "a metadata object", "a string")),
    # ---------------------------------------------------------------- text  [OBS unless noted]
    Case("text-unknown-member", body(text={"zzz": 1}), unknown("text.zzz")),
    Case(
        "text-format-unknown-type",
        body(text={"format": {"type": "bogus"}}),
        value("text.format.type", "bogus", "Supported values are: 'json_object', 'text', and 'json_schema'."),
    ),
    Case("text-json-schema-without-name", body(text={"format": {"type": "json_schema"}}), missing("text.format.name")),
    Case(
        "text-verbosity-unknown",
        body(text={"verbosity": "bogus"}),
        value("text.verbosity", "bogus", "Supported values are: 'low', 'medium', and 'high'."),
    ),
    Case(
        "text-beats-later-field",
        body(text={"verbosity": "bogus"}, context_management="x"),
        value("text.verbosity", "bogus", "Supported values are: 'low', 'medium', and 'high'."),
    ),
    Case(
        "text-beats-capability-pass",
        body(text={"verbosity": "bogus"}, temperature=0.5),
        value("text.verbosity", "bogus", "Supported values are: 'low', 'medium', and 'high'."),
    ),
    Case("text-as-a-string", body(text="wrong type"), typed("text", "an object", "a string")),
    Case(
        "text-json-schema-without-schema",
        body(text={"format": {"type": "json_schema", "name": "s"}}),
        missing("text.format.schema"),
    ),
    Case(
        "text-json-schema-schema-not-an-object",
        body(text={"format": {"type": "json_schema", "name": "s", "schema": "x"}}),
        typed("text.format.schema", "an object", "a string"),
    ),
    Case(
        "text-json-schema-name-pattern",
        body(text={"format": {"type": "json_schema", "name": "my schema", "schema": {}}}),
        err(
            "Invalid 'text.format.name': string does not match pattern."
            " Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
            "text.format.name",
            "invalid_value",
        ),
    ),
    Case("text-format-without-type", body(text={"format": {}}), missing("text.format.type")),
    Case("order-text-beats-temperature", body(text="x", temperature="x"), typed("text", "an object", "a string")),
    # ---------------------------------------------------------------- sampling
    Case("temperature-as-a-string", body(temperature="hot"), typed("temperature", "a decimal", "a string")),
    Case("temperature-above-maximum", body(temperature=2.5), above("temperature", "2", "2.5", "decimal")),
    Case("temperature-below-minimum", body(temperature=-1), below("temperature", "0", "-1", "decimal")),
    Case("top-p-as-a-string", body(top_p="wide"), typed("top_p", "a decimal", "a string")),
    Case("top-p-above-maximum", body(top_p=1.5), above("top_p", "1", "1.5", "decimal")),
    Case(
        "presence-penalty-as-a-string", body(presence_penalty="x"), typed("presence_penalty", "a decimal", "a string")
    ),
    Case(
        "frequency-penalty-below-minimum", body(frequency_penalty=-3), below("frequency_penalty", "-2", "-3", "decimal")
    ),
    Case(
        "order-temperature-beats-top-p", body(temperature="x", top_p="x"), typed("temperature", "a decimal", "a string")
    ),
    Case(
        "order-top-p-beats-presence-penalty",
        body(top_p="x", presence_penalty="x"),
        typed("top_p", "a decimal", "a string"),
    ),
    # ---------------------------------------------------------------- booleans and stream options  [OBS]
    Case(
        "parallel-tool-calls-as-a-string",
        body(parallel_tool_calls="yes"),
        typed("parallel_tool_calls", "a boolean", "a string"),
    ),
    Case("stream-as-a-string", body(stream="yes"), typed("stream", "a boolean", "a string")),
    Case("stream-as-an-integer", body(stream=1), typed("stream", "a boolean", "an integer")),
    Case("background-as-a-string", body(background="yes"), typed("background", "a boolean", "a string")),
    Case("store-as-a-string", body(store="yes"), typed("store", "a boolean", "a string")),
    Case(
        "order-parallel-tool-calls-beats-stream",
        body(parallel_tool_calls="x", stream="x"),
        typed("parallel_tool_calls", "a boolean", "a string"),
    ),
    Case(
        "order-stream-beats-stream-options",
        body(stream="x", stream_options="x"),
        typed("stream", "a boolean", "a string"),
    ),
    Case(
        "order-stream-options-beats-background",
        body(stream_options="x", background="x"),
        typed("stream_options", "an object", "a string"),
    ),
    Case(
        "order-background-beats-max-output-tokens",
        body(background="x", max_output_tokens="x"),
        typed("background", "a boolean", "a string"),
    ),
    Case(
        "stream-options-include-usage",
        body(stream_options={"include_usage": True}),
        unknown("stream_options.include_usage"),
    ),
    Case("stream-options-unknown-member", body(stream_options={"bogus": 1}), unknown("stream_options.bogus")),
    Case(
        "stream-options-obfuscation-not-a-boolean",
        body(stream_options={"include_obfuscation": "no"}),
        typed("stream_options.include_obfuscation", "a boolean", "a string"),
    ),
    # ---------------------------------------------------------------- token limits  [OBS unless noted]
    Case("max-output-tokens-zero", body(max_output_tokens=0), below("max_output_tokens", "16", "0")),
    Case("max-output-tokens-fifteen", body(max_output_tokens=15), below("max_output_tokens", "16", "15")),
    Case(
        "max-output-tokens-as-a-string",
        body(max_output_tokens="x"),
        typed("max_output_tokens", "an integer", "a string"),
    ),
    Case(
        "max-output-tokens-decimal", body(max_output_tokens=16.5), typed("max_output_tokens", "an integer", "a decimal")
    ),
    Case("max-tool-calls-zero", body(max_tool_calls=0), below("max_tool_calls", "1", "0")),
    Case("max-tool-calls-as-a-string", body(max_tool_calls="x"), typed("max_tool_calls", "an integer", "a string")),
    Case(
        "order-max-output-tokens-beats-max-tool-calls",
        body(max_output_tokens="x", max_tool_calls="x"),
        typed("max_output_tokens", "an integer", "a string"),
    ),
    Case(
        "order-max-tool-calls-beats-reasoning",
        body(max_tool_calls="x", reasoning="x"),
        typed("max_tool_calls", "an integer", "a string"),
    ),
    # ---------------------------------------------------------------- reasoning  [OBS]
    Case("reasoning-as-a-string", body(reasoning="low"), typed("reasoning", "an object", "a string")),
    Case(
        "reasoning-effort-unknown",
        body(reasoning={"effort": "bogus"}),
        value("reasoning.effort", "bogus", f"Supported values are: {EFFORTS}."),
    ),
    Case(
        "reasoning-effort-as-an-object",
        body(reasoning={"effort": {"__probe__": "wrong type"}}),
        typed(
            "reasoning.effort",
            "one of one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', or 'max' or integer",
            "an object",
        ),
    ),
    Case(
        "reasoning-effort-as-an-integer",
        body(reasoning={"effort": 5}),
        typed("reasoning.effort", "one of 'minimal', 'low', 'medium', or 'high'", "an integer"),
    ),
    Case(
        "reasoning-effort-as-an-array",
        body(reasoning={"effort": ["low"]}),
        typed(
            "reasoning.effort",
            "one of one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', or 'max' or integer",
            "an array",
        ),
    ),
    Case(
        "reasoning-summary-unknown",
        body(reasoning={"summary": "bogus"}),
        value("reasoning.summary", "bogus", "Supported values are: 'concise', 'detailed', and 'auto'."),
    ),
    Case(
        "reasoning-generate-summary-is-unknown",
        body(reasoning={"generate_summary": "concise"}),
        unknown("reasoning.generate_summary"),
    ),
    Case("reasoning-unknown-member", body(reasoning={"bogus": 1}), unknown("reasoning.bogus")),
    Case("order-reasoning-beats-user", body(reasoning="x", user=7), typed("reasoning", "an object", "a string")),
    # ---------------------------------------------------------------- strings, caching, enums  [OBS unless noted]
    Case("user-as-an-object", body(user={"a": 1}), typed("user", "a string", "an object")),
    Case(
        "safety-identifier-as-an-object",
        body(safety_identifier={"a": 1}),
        typed("safety_identifier", "a string", "an object"),
    ),
    Case(
        "safety-identifier-too-long",
        body(safety_identifier="s" * 129),
        err(
            "Invalid 'safety_identifier': string too long."
            " Expected a string with maximum length 128, but got a string with length 129 instead.",
            "safety_identifier",
            "string_above_max_length",
        ),
    ),
    Case(
        "order-user-beats-safety-identifier", body(user=7, safety_identifier=7), typed("user", "a string", "an integer")
    ),
    Case(
        "order-safety-identifier-beats-prompt-cache-options",
        body(safety_identifier=7, prompt_cache_options="x"),
        typed("safety_identifier", "a string", "an integer"),
    ),
    Case(
        "prompt-cache-options-unknown-member",
        body(prompt_cache_options={"bogus": 1}),
        unknown("prompt_cache_options.bogus"),
    ),
    Case(
        "prompt-cache-options-ttl-unknown",
        body(prompt_cache_options={"ttl": "1h"}),
        value("prompt_cache_options.ttl", "1h", "Supported values are: '30m' and '12h'."),
    ),
    Case(
        "order-prompt-cache-options-beats-key",
        body(prompt_cache_options="x", prompt_cache_key=7),
        typed("prompt_cache_options", "an object", "a string"),
    ),
    Case(
        "prompt-cache-key-as-an-object",
        body(prompt_cache_key={"a": 1}),
        typed("prompt_cache_key", "a string", "an object"),
    ),
    Case(
        "order-prompt-cache-key-beats-retention",
        body(prompt_cache_key=7, prompt_cache_retention="x"),
        typed("prompt_cache_key", "a string", "an integer"),
    ),
    Case(
        "prompt-cache-retention-outside-enum",
        body(prompt_cache_retention="x"),
        value("prompt_cache_retention", "x", "Supported values are: 'in_memory' and '24h'."),
    ),
    Case(
        "prompt-cache-retention-as-an-object",
        body(prompt_cache_retention={"a": 1}),
        typed("prompt_cache_retention", "one of 'in_memory' or '24h'", "an object"),
    ),
    Case(
        "order-prompt-cache-retention-beats-truncation",
        body(prompt_cache_retention="x", truncation="x"),
        value("prompt_cache_retention", "x", "Supported values are: 'in_memory' and '24h'."),
    ),
    Case(
        "truncation-unknown",
        body(truncation="bogus"),
        value("truncation", "bogus", "Supported values are: 'auto' and 'disabled'."),
    ),
    Case(
        "truncation-as-an-object",
        body(truncation={"a": 1}),
        typed("truncation", "one of 'auto' or 'disabled'", "an object"),
    ),
    Case(
        "order-truncation-beats-instructions",
        body(truncation="x", instructions=7),
        value("truncation", "x", "Supported values are: 'auto' and 'disabled'."),
    ),
    Case("instructions-as-an-object", body(instructions={"a": 1}), typed("instructions", "a string", "an object")),
    Case(
        "order-instructions-beats-store",
        body(instructions=7, store="x"),
        typed("instructions", "a string", "an integer"),
    ),
    Case(
        "order-store-beats-service-tier", body(store="x", service_tier="bogus"), typed("store", "a boolean", "a string")
    ),
    Case(
        "service-tier-unknown",
        body(service_tier="bogus"),
        value("service_tier", "bogus", "Supported values are: 'auto', 'default', 'fast', 'flex', and 'priority'."),
    ),
    Case(
        "service-tier-as-an-object",
        body(service_tier={"a": 1}),
        typed("service_tier", "one of 'auto', 'default', 'fast', 'flex', or 'priority'", "an object"),
    ),
    Case(
        "order-service-tier-beats-top-logprobs",
        body(service_tier="bogus", top_logprobs="x"),
        value("service_tier", "bogus", "Supported values are: 'auto', 'default', 'fast', 'flex', and 'priority'."),
    ),
    Case("top-logprobs-as-a-string", body(top_logprobs="x"), typed("top_logprobs", "an integer", "a string")),
    Case("top-logprobs-above-maximum", body(top_logprobs=21), above("top_logprobs", "20", "21")),
    Case(
        "order-top-logprobs-beats-context-management",
        body(top_logprobs="x", context_management="x"),
        typed("top_logprobs", "an integer", "a string"),
    ),
    Case(
        "top-logprobs-refusal-loses-to-later-field",
        body(top_logprobs=1, context_management="x"),
        typed("context_management", "an array of objects", "a string"),
    ),
    Case(
        "context-management-as-a-string",
        body(context_management="wrong type"),
        typed("context_management", "an array of objects", "a string"),
    ),
    Case(
        "context-management-member-without-type",
        body(context_management=[{"compact_threshold": 1000}]),
        missing("context_management[0].type"),
    ),
    Case("moderation-as-a-string", body(moderation="wrong type"), typed("moderation", "an object", "a string")),
    Case("moderation-without-model", body(moderation={"policy": None}), missing("moderation.model")),
    # ---------------------------------------------------------------- the parameters after the observed order
    Case(
        "previous-response-id-as-an-object",
        body(previous_response_id={"a": 1}),
        typed("previous_response_id", "a string", "an object"),
    ),
    Case("prompt-as-a-string", body(prompt="x"), typed("prompt", "an object", "a string")),
    Case("prompt-without-id", body(prompt={"version": "2"}), missing("prompt.id")),
    Case(
        "conversation-as-an-integer",
        body(conversation=7),
        typed("conversation", "one of a string or an object", "an integer"),
    ),
    Case("conversation-object-without-id", body(conversation={}), missing("conversation.id")),
    Case(
        "tool-choice-as-an-integer",
        body(tool_choice=7),
        typed("tool_choice", "one of an object or 'none', 'auto', or 'required'", "an integer"),
    ),
    Case(
        "tool-choice-unknown-string",
        body(tools=[RTOOL], tool_choice="bogus"),
        value("tool_choice", "bogus", "Supported values are: 'none', 'auto', and 'required'."),
    ),
    Case(
        "tool-choice-function-without-name",
        body(tools=[RTOOL], tool_choice={"type": "function"}),
        missing("tool_choice.name"),
    ),
    Case(
        "tool-choice-chat-shaped",
        body(tools=[RTOOL], tool_choice={"type": "function", "function": {"name": "f"}}),
        missing("tool_choice.name"),
    ),
    Case(
        "tool-choice-unknown-type",
        body(tool_choice={"type": "bogus"}),
        value("tool_choice.type", "bogus", TOOL_CHOICE_TYPES),
    ),
    Case(
        "tool-choice-allowed-tools-bad-mode",
        body(tool_choice={"type": "allowed_tools", "mode": "any", "tools": []}),
        value("tool_choice.mode", "any", "Supported values are: 'auto' and 'required'."),
    ),
    Case(
        "top-level-verbosity-unknown",
        body(verbosity="loud"),
        value("verbosity", "loud", "Supported values are: 'low', 'medium', and 'high'."),
    ),
    Case(
        "access-programs-unknown-cyber",
        body(access_programs={"cyber": "purple"}),
        value(
            "access_programs.cyber", "purple", "Supported values are: 'standard', 'daybreak_blue', and 'daybreak_red'."
        ),
    ),
    Case(
        "image-unknown-compression",
        body(image={"context_compression": "max"}),
        value("image.context_compression", "max", "Supported values are: 'auto', 'enabled', and 'disabled'."),
    ),
    # ---------------------------------------------------------------- step 6: mutual exclusion  [OBS]
    Case(
        "conversation-with-previous-response-id",
        body(conversation="conv_x", previous_response_id="resp_x"),
        err(MUTUALLY_EXCLUSIVE, None, "mutually_exclusive_parameters"),
    ),
    Case(
        "conversation-object-with-previous-response-id",
        body(conversation={"id": "conv_x"}, previous_response_id="resp_x"),
        err(MUTUALLY_EXCLUSIVE, None, "mutually_exclusive_parameters"),
    ),
    Case(
        "schema-error-beats-mutual-exclusion",
        body(conversation="conv_x", previous_response_id="resp_x", truncation="bogus"),
        value("truncation", "bogus", "Supported values are: 'auto' and 'disabled'."),
    ),
    # ---------------------------------------------------------------- step 9: model capabilities  [OBS unless noted]
    Case("temperature-on-reasoning-model", body(temperature=0.5), unsupported("temperature"), stage="capability"),
    Case("top-p-on-reasoning-model", body(top_p=0.5), unsupported("top_p"), stage="capability"),
    Case(
        "presence-penalty-on-reasoning-model",
        body(presence_penalty=0.5),
        unsupported("presence_penalty"),
        stage="capability",
    ),
    Case(
        "frequency-penalty-on-reasoning-model",
        body(frequency_penalty=0.5),
        unsupported("frequency_penalty"),
        stage="capability",
    ),
    Case(
        "top-logprobs-on-reasoning-model",
        body(top_logprobs=1),
        err(LOGPROBS, "top_logprobs", "unsupported_parameter"),
        stage="capability",
    ),
    Case(
        "include-logprobs-on-reasoning-model",
        body(include=["message.output_text.logprobs"]),
        err(LOGPROBS, "include", "unsupported_parameter"),
        stage="capability",
    ),
    Case(
        "include-logprobs-loses-to-temperature",
        body(include=["message.output_text.logprobs"], temperature=0.5),
        unsupported("temperature"),
        stage="capability",
    ),
    Case(
        "include-logprobs-beats-top-logprobs",
        body(include=["message.output_text.logprobs"], top_logprobs=1),
        err(LOGPROBS, "include", "unsupported_parameter"),
        stage="capability",
    ),
    Case(
        "top-logprobs-loses-to-temperature",
        body(top_logprobs=1, temperature=0.5),
        unsupported("temperature"),
        stage="capability",
    ),
    Case(
        "max-output-tokens-16-passes-to-capability",
        body(max_output_tokens=16, top_p=0.5),
        unsupported("top_p"),
        stage="capability",
    ),
    Case(
        "reasoning-effort-unsupported-by-model",
        body(reasoning={"effort": "minimal"}),
        err(
            "Unsupported value: 'minimal' is not supported with the 'gpt-5.6-terra' model."
            " Supported values are: 'none', 'low', 'medium', 'high', 'xhigh', and 'max'.",
            "reasoning.effort",
            "unsupported_value",
        ),
        stage="capability",
    ),
    Case(
        "prompt-cache-retention-in-memory-on-24h-model",
        body(prompt_cache_retention="in_memory"),
        err(
            "This model is compatible only with 24h extended prompt caching",
            "prompt_cache_retention",
            "invalid_parameter",
        ),
        stage="capability",
    ),
    Case(
        "user-item-status-accepted",
        body(input=[{"role": "user", "content": "ping", "status": "completed"}], temperature=0.5),
        unsupported("temperature"),
        stage="capability",
    ),
    Case(
        "user-item-id-accepted",
        body(input=[{"role": "user", "content": "ping", "id": "msg_x"}], temperature=0.5),
        unsupported("temperature"),
        stage="capability",
    ),
    Case(
        "user-item-type-message-accepted",
        body(input=[{"type": "message", "role": "user", "content": "ping"}], temperature=0.5),
        unsupported("temperature"),
        stage="capability",
    ),
    Case(
        "developer-role-accepted",
        body(input=[{"role": "developer", "content": "ping"}, {"role": "user", "content": "ping"}], temperature=0.5),
        unsupported("temperature"),
        stage="capability",
    ),
    Case(
        "assistant-refusal-accepted",
        body(
            input=[
                {"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}]},
                {"role": "user", "content": "ping"},
            ],
            temperature=0.5,
        ),
        unsupported("temperature"),
        stage="capability",
    ),
    Case(
        "output-item-round-trip-accepted",
        body(
            input=[{"role": "user", "content": "ping"}, ASSISTANT_ITEM, {"role": "user", "content": "again"}],
            temperature=0.5,
        ),
        unsupported("temperature"),
        stage="capability",
    ),
    # inferred: other models
    Case(
        "effort-none-unsupported-by-gpt-5",
        body(model="gpt-5", reasoning={"effort": "none"}),
        err(
            "Unsupported value: 'none' is not supported with the 'gpt-5' model."
            " Supported values are: 'minimal', 'low', 'medium', and 'high'.",
            "reasoning.effort",
            "unsupported_value",
        ),
        stage="capability",
    ),
    Case(
        "effort-none-allows-logprobs-then-checks-retention",
        body(reasoning={"effort": "none"}, prompt_cache_retention="in_memory", top_logprobs=2),
        err(
            "This model is compatible only with 24h extended prompt caching",
            "prompt_cache_retention",
            "invalid_parameter",
        ),
        stage="capability",
    ),
    Case(
        "reasoning-effort-on-plain-model",
        body(model=PLAIN_MODEL, reasoning={"effort": "low"}),
        err(
            "Unsupported parameter: 'reasoning.effort' is not supported with this model.",
            "reasoning.effort",
            "unsupported_parameter",
        ),
        stage="capability",
    ),
    Case(
        "encrypted-reasoning-on-plain-model",
        body(model=PLAIN_MODEL, include=["reasoning.encrypted_content"]),
        err("Encrypted content is not supported with this model.", "include", None),
        stage="capability",
    ),
    # ---------------------------------------------------------------- POST /v1/responses/input_tokens
    Case("input-tokens-model-absent", {"input": "ping"}, missing("model"), endpoint=INPUT_TOKENS),
    Case(
        "input-tokens-create-only-key-is-unknown",
        {"model": PLAIN_MODEL, "input": "ping", "metadata": {}},
        unknown("metadata"),
        endpoint=INPUT_TOKENS,
    ),
    Case(
        "input-tokens-store-is-unknown",
        {"model": PLAIN_MODEL, "input": "ping", "store": False},
        unknown("store"),
        endpoint=INPUT_TOKENS,
    ),
    Case(
        "input-tokens-personality-too-long",
        {"model": PLAIN_MODEL, "input": "ping", "personality": "p" * 65},
        err(
            "Invalid 'personality': string too long."
            " Expected a string with maximum length 64, but got a string with length 65 instead.",
            "personality",
            "string_above_max_length",
        ),
        endpoint=INPUT_TOKENS,
    ),
    Case(
        "input-tokens-bad-item",
        {"model": PLAIN_MODEL, "input": [{}]},
        value("input[0]", "", ROLES),
        endpoint=INPUT_TOKENS,
    ),
    Case(
        "input-tokens-truncation-unknown",
        {"model": PLAIN_MODEL, "truncation": "bogus"},
        value("truncation", "bogus", "Supported values are: 'auto' and 'disabled'."),
        endpoint=INPUT_TOKENS,
    ),
    Case(
        "input-tokens-mutual-exclusion",
        {"model": PLAIN_MODEL, "conversation": "conv_x", "previous_response_id": "resp_x"},
        err(MUTUALLY_EXCLUSIVE, None, "mutually_exclusive_parameters"),
        endpoint=INPUT_TOKENS,
    ),
]

QUERY_CASES: list[QueryCase] = [
    QueryCase(
        "list-limit-above-maximum",
        "list",
        [("limit", "101")],
        err(
            "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead.",
            "limit",
            "integer_above_max_value",
        ),
    ),
    QueryCase(
        "list-limit-below-minimum",
        "list",
        [("limit", "0")],
        err(
            "Invalid 'limit': integer below minimum value. Expected a value >= 1, but got 0 instead.",
            "limit",
            "integer_below_min_value",
        ),
    ),
    QueryCase("list-limit-not-an-integer", "list", [("limit", "ten")], typed("limit", "an integer", "a string")),
    QueryCase("list-limit-decimal", "list", [("limit", "1.5")], typed("limit", "an integer", "a string")),
    QueryCase(
        "list-order-unknown", "list", [("order", "x")], value("order", "x", "Supported values are: 'asc' and 'desc'.")
    ),
    QueryCase("list-include-unknown", "list", [("include[]", "bogus")], value("include[0]", "bogus", INCLUDE_VALUES)),
    QueryCase(
        "retrieve-include-second-unknown",
        "retrieve",
        [("include[]", "reasoning.encrypted_content"), ("include[]", "x")],
        value("include[1]", "x", INCLUDE_VALUES),
    ),
    QueryCase(
        "retrieve-stream-yes",
        "retrieve",
        [("stream", "yes")],
        err(
            "Invalid value for 'stream': expected a boolean (true or false), but got 'yes' instead.",
            "stream",
            "invalid_value",
        ),
    ),
    QueryCase(
        "retrieve-stream-one",
        "retrieve",
        [("stream", "1")],
        err(
            "Invalid value for 'stream': expected a boolean (true or false), but got '1' instead.",
            "stream",
            "invalid_value",
        ),
    ),
    QueryCase(
        "retrieve-include-obfuscation-no",
        "retrieve",
        [("include_obfuscation", "no")],
        err(
            "Invalid value for 'include_obfuscation': expected a boolean (true or false), but got 'no' instead.",
            "include_obfuscation",
            "invalid_value",
        ),
    ),
    QueryCase(
        "retrieve-starting-after-negative",
        "retrieve",
        [("starting_after", "-1")],
        err(
            "Invalid 'starting_after': integer below minimum value. Expected a value >= 0, but got -1 instead.",
            "starting_after",
            "integer_below_min_value",
        ),
    ),
    QueryCase(
        "retrieve-starting-after-not-an-integer",
        "retrieve",
        [("starting_after", "x")],
        typed("starting_after", "an integer", "a string"),
    ),
]

# (value, param, prefix, expected envelope) for malformed path ids.
ID_CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "foo",
        "response_id",
        "resp",
        err("Invalid 'response_id': 'foo'. Expected an ID that begins with 'resp'.", "response_id", "invalid_value"),
    ),
    (
        "msg_1",
        "conversation_id",
        "conv",
        err(
            "Invalid 'conversation_id': 'msg_1'. Expected an ID that begins with 'conv'.",
            "conversation_id",
            "invalid_value",
        ),
    ),
]
