"""Good requests pass validation: everything SDK 3.51.0 can send, in valid form, is accepted."""

from __future__ import annotations

import copy
from typing import Any

import pydantic
import pytest
from openai.types.responses.response_output_item import ResponseOutputItem

from scenarios.catalogue import resolve
from server.protocol import (
    check_id,
    check_input_items,
    check_model_capabilities,
    parse_json_body,
    parse_list_query,
    parse_retrieve_query,
    validate_create_body,
    validate_input_tokens_body,
)
from server.protocol.requests import ListQuery, RetrieveQuery

IMAGE_URL = "data:image/png;base64,iVBORw0KGgo="
FUNCTION_TOOL = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}

# One valid member of every input item type (REFERENCE §C.5), in the SDK's field spelling.
INPUT_ITEMS: dict[str, dict[str, Any]] = {
    "easy-message-string": {"role": "user", "content": "hi"},
    "easy-message-parts": {
        "role": "user",
        "content": [
            {"type": "input_text", "text": "look", "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"}},
            {"type": "input_image", "image_url": IMAGE_URL},
            {"type": "input_image", "file_id": "file_1", "detail": "original"},
            {"type": "input_file", "file_id": "file_2", "filename": "a.pdf", "detail": "low"},
            {"type": "input_file", "file_data": "JVBERi0=", "filename": "b.pdf"},
            {"type": "input_file", "file_url": "https://example.com/c.pdf"},
            {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
        ],
    },
    "system-message": {"role": "system", "content": "be terse"},
    "developer-message": {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "x"}]},
    "strict-user-message": {
        "type": "message",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_text", "text": "x"}],
    },
    "assistant-easy": {"role": "assistant", "content": "earlier answer", "phase": "commentary"},
    "assistant-replay": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "phase": "final_answer",
        "content": [
            {
                "type": "output_text",
                "text": "hi",
                "annotations": [
                    {"type": "url_citation", "url": "https://x", "title": "x", "start_index": 0, "end_index": 1}
                ],
                "logprobs": [],
            },
            {"type": "output_text", "text": "no annotations"},
            {"type": "refusal", "refusal": "no"},
        ],
    },
    "file_search_call": {
        "type": "file_search_call",
        "id": "fs_1",
        "queries": ["q"],
        "status": "completed",
        "results": None,
    },
    "computer_call": {
        "type": "computer_call",
        "id": "cu_1",
        "call_id": "call_c",
        "pending_safety_checks": [],
        "status": "completed",
        "action": {"type": "click", "button": "left", "x": 1, "y": 2},
    },
    "computer_call_output": {
        "type": "computer_call_output",
        "call_id": "call_c",
        "output": {"type": "computer_screenshot", "image_url": IMAGE_URL},
        "acknowledged_safety_checks": [{"id": "sc_1"}],
    },
    "web_search_call": {
        "type": "web_search_call",
        "id": "ws_1",
        "status": "completed",
        "action": {"type": "search", "query": "weather"},
    },
    "function_call": {
        "type": "function_call",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": "{}",
        "id": "fc_1",
        "status": "completed",
    },
    "function_call_output-string": {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
    "function_call_output-parts": {
        "type": "function_call_output",
        "call_id": "call_1",
        "output": [{"type": "input_text", "text": "sunny"}, {"type": "input_image", "image_url": IMAGE_URL}],
    },
    "tool_search_call": {
        "type": "tool_search_call",
        "arguments": {"query": "weather"},
        "call_id": "call_ts",
        "execution": "client",
    },
    "tool_search_output": {"type": "tool_search_output", "tools": [FUNCTION_TOOL], "call_id": "call_ts"},
    "additional_tools": {"type": "additional_tools", "role": "developer", "tools": [FUNCTION_TOOL]},
    "configuration_update": {"type": "configuration_update"},
    "reasoning": {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "thought"}],
        "encrypted_content": "gAAAA",
        "content": None,
        "status": None,
    },
    "compaction": {"type": "compaction", "encrypted_content": "gAAAA"},
    "image_generation_call": {"type": "image_generation_call", "id": "ig_1", "result": None, "status": "completed"},
    "code_interpreter_call": {
        "type": "code_interpreter_call",
        "id": "ci_1",
        "code": "print(1)",
        "container_id": "cntr_1",
        "outputs": [{"type": "logs", "logs": "1"}],
        "status": "completed",
    },
    "local_shell_call": {
        "type": "local_shell_call",
        "id": "ls_1",
        "call_id": "call_ls",
        "status": "completed",
        "action": {"type": "exec", "command": ["ls"], "env": {}},
    },
    "local_shell_call_output": {"type": "local_shell_call_output", "id": "call_ls", "output": "{}"},
    "shell_call": {"type": "shell_call", "call_id": "call_sh", "action": {"commands": ["ls"]}},
    "shell_call_output": {
        "type": "shell_call_output",
        "call_id": "call_sh",
        "output": [{"stdout": "a", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}],
    },
    "apply_patch_call": {
        "type": "apply_patch_call",
        "call_id": "call_ap",
        "status": "completed",
        "operation": {"type": "delete_file", "path": "a.txt"},
    },
    "apply_patch_call_output": {
        "type": "apply_patch_call_output",
        "call_id": "call_ap",
        "status": "completed",
        "output": "done",
    },
    "mcp_list_tools": {
        "type": "mcp_list_tools",
        "id": "mcpl_1",
        "server_label": "s",
        "tools": [{"name": "t", "input_schema": {}}],
    },
    "mcp_approval_request": {
        "type": "mcp_approval_request",
        "id": "mcpr_1",
        "arguments": "{}",
        "name": "t",
        "server_label": "s",
    },
    "mcp_approval_response": {
        "type": "mcp_approval_response",
        "approval_request_id": "mcpr_1",
        "approve": True,
        "reason": None,
    },
    "mcp_call": {
        "type": "mcp_call",
        "id": "mcp_1",
        "arguments": "{}",
        "name": "t",
        "server_label": "s",
        "output": "ok",
    },
    "custom_tool_call": {"type": "custom_tool_call", "call_id": "call_ct", "name": "grep", "input": "x"},
    "custom_tool_call_output": {"type": "custom_tool_call_output", "call_id": "call_ct", "output": "found"},
    "compaction_trigger": {"type": "compaction_trigger"},
    "item_reference": {"type": "item_reference", "id": "msg_0"},
    "item_reference-without-type": {"id": "msg_0"},
    "program": {"type": "program", "id": "prog_1", "call_id": "call_p", "code": "x", "fingerprint": "f"},
    "program_output": {
        "type": "program_output",
        "id": "prog_out_1",
        "call_id": "call_p",
        "result": "r",
        "status": "completed",
    },
    "agent_message-server-only-type": {"type": "agent_message", "anything": True},
}

# One valid definition of every tool type.
TOOLS: dict[str, dict[str, Any]] = {
    "function": {**FUNCTION_TOOL, "description": "d", "strict": True, "defer_loading": False},
    "function-minimal": {"type": "function", "name": "f"},
    "function-null-parameters": {"type": "function", "name": "g", "parameters": None, "strict": None},
    "file_search": {
        "type": "file_search",
        "vector_store_ids": ["vs_1"],
        "max_num_results": 5,
        "filters": {"type": "eq", "key": "k", "value": "v"},
    },
    "computer": {"type": "computer"},
    "computer_use_preview": {
        "type": "computer_use_preview",
        "display_width": 1024,
        "display_height": 768,
        "environment": "browser",
    },
    "web_search": {
        "type": "web_search",
        "search_context_size": "low",
        "user_location": {"type": "approximate", "country": "US"},
    },
    "web_search_2025_08_26": {"type": "web_search_2025_08_26"},
    "mcp": {
        "type": "mcp",
        "server_label": "s",
        "server_url": "https://mcp.example.com",
        "require_approval": "never",
        "allowed_tools": ["t"],
    },
    "mcp-approval-filter": {
        "type": "mcp",
        "server_label": "s",
        "connector_id": "connector_gmail",
        "require_approval": {"never": {"tool_names": ["t"]}},
    },
    "code_interpreter": {"type": "code_interpreter", "container": {"type": "auto", "memory_limit": "4g"}},
    "code_interpreter-container-id": {"type": "code_interpreter", "container": "cntr_1"},
    "programmatic_tool_calling": {"type": "programmatic_tool_calling"},
    "image_generation": {"type": "image_generation", "quality": "high", "size": "1024x1024", "output_format": "png"},
    "local_shell": {"type": "local_shell"},
    "shell": {"type": "shell"},
    "custom": {
        "type": "custom",
        "name": "grep",
        "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"},
    },
    "namespace": {"type": "namespace", "name": "ns", "description": "d", "tools": [{"type": "function", "name": "f"}]},
    "tool_search": {"type": "tool_search"},
    "web_search_preview": {"type": "web_search_preview"},
    "web_search_preview_2025_03_11": {"type": "web_search_preview_2025_03_11"},
    "apply_patch": {"type": "apply_patch"},
}

TOOL_CHOICES: list[Any] = [
    "none",
    "auto",
    "required",
    {"type": "allowed_tools", "mode": "auto", "tools": [{"type": "function", "name": "get_weather"}]},
    *(
        {"type": t}
        for t in (
            "file_search",
            "web_search_preview",
            "computer",
            "computer_use_preview",
            "computer_use",
            "web_search_preview_2025_03_11",
            "image_generation",
            "code_interpreter",
        )
    ),
    {"type": "function", "name": "get_weather"},
    {"type": "mcp", "server_label": "s"},
    {"type": "mcp", "server_label": "s", "name": "t"},
    {"type": "custom", "name": "grep"},
    {"type": "programmatic_tool_calling"},
    {"type": "apply_patch"},
    {"type": "shell"},
]

TEXT_FORMATS: list[dict[str, Any]] = [
    {"type": "text"},
    {"type": "json_object"},
    {"type": "json_schema", "name": "answer-1_x", "schema": {"type": "object", "properties": {}}},
    {"type": "json_schema", "name": "a", "schema": {}, "description": "d", "strict": True},
]

OPTIONAL_PARAMS = (
    "background", "context_management", "conversation", "include", "instructions", "max_output_tokens",
    "max_tool_calls", "metadata", "moderation", "parallel_tool_calls", "previous_response_id", "prompt",
    "prompt_cache_key", "prompt_cache_retention", "reasoning", "safety_identifier", "service_tier", "store",
    "stream", "stream_options", "temperature", "text", "tool_choice", "tools", "top_logprobs", "top_p",
    "truncation", "user", "presence_penalty", "frequency_penalty", "verbosity", "access_programs", "image",
    "prompt_cache_options",
)  # fmt: skip


def maximal_body() -> dict[str, Any]:
    """Every parameter of ``response_create_params.ResponseCreateParamsBase`` (plus the server-known extras)."""
    return {
        "model": "gpt-5.6-terra",
        "input": list(copy.deepcopy(INPUT_ITEMS).values()),
        "access_programs": {"cyber": "standard"},
        "background": False,
        "context_management": [{"type": "compaction", "compact_threshold": 200000}],
        "image": {"context_compression": "auto"},
        "include": [
            "file_search_call.results",
            "web_search_call.results",
            "web_search_call.action.sources",
            "message.input_image.image_url",
            "computer_call_output.output.image_url",
            "code_interpreter_call.outputs",
            "reasoning.encrypted_content",
            "message.output_text.logprobs",
        ],  # fmt: skip
        "instructions": "be terse",
        "max_output_tokens": 2048,
        "max_tool_calls": 3,
        "metadata": {"k" * 64: "v" * 512, **{f"key{i}": "v" for i in range(15)}},
        "moderation": {
            "model": "omni-moderation-latest",
            "policy": {"input": {"mode": "score"}, "output": {"mode": "block"}},
        },
        "parallel_tool_calls": False,
        "previous_response_id": "resp_1",
        "prompt": {
            "id": "pmpt_1",
            "version": "2",
            "variables": {"city": "Paris", "doc": {"type": "input_text", "text": "x"}},
        },
        "prompt_cache_key": "cache-key",
        "prompt_cache_options": {
            "mode": "explicit",
            "ttl": "12h",
            "prewarm": False,
            "comparison_response_id": "resp_0",
        },
        "prompt_cache_retention": "24h",
        "reasoning": {"effort": "high", "summary": "auto", "context": "all_turns", "mode": "pro"},
        "safety_identifier": "user-hash",
        "service_tier": "ultrafast",
        "store": True,
        "stream": True,
        "stream_options": {"include_obfuscation": False},
        "temperature": 1,
        "text": {"format": TEXT_FORMATS[2], "verbosity": "low"},
        "tool_choice": {"type": "function", "name": "get_weather"},
        "tools": list(copy.deepcopy(TOOLS).values()),
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "auto",
        "user": "end-user",
        "presence_penalty": -2,
        "frequency_penalty": 2.0,
        "verbosity": "low",
    }


def test_maximal_body_with_every_sdk_parameter_is_accepted() -> None:
    body = maximal_body()
    request = validate_create_body(body)
    assert request.model == "gpt-5.6-terra"
    assert request.stream is True and request.store is True and request.parallel_tool_calls is False
    assert len(request.include) == 8 and len(request.tools) == len(TOOLS)
    assert request.fields_set == frozenset(body)
    assert request.previous_response_id == "resp_1"


def test_sdk_streaming_params_cover_every_key_the_maximal_body_sends() -> None:
    from openai.types.responses.response_create_params import ResponseCreateParamsStreaming

    sdk_keys = set(ResponseCreateParamsStreaming.__annotations__)
    assert sdk_keys <= set(maximal_body()) | {"conversation"}


@pytest.mark.parametrize("name", list(INPUT_ITEMS))
def test_every_input_item_type_is_accepted(name: str) -> None:
    validate_create_body({"model": "gpt-4.1", "input": [INPUT_ITEMS[name]]})


@pytest.mark.parametrize("name", list(TOOLS))
def test_every_tool_type_is_accepted(name: str) -> None:
    validate_create_body({"model": "gpt-4.1", "input": "x", "tools": [TOOLS[name]]})


@pytest.mark.parametrize("choice", TOOL_CHOICES, ids=repr)
def test_every_tool_choice_form_is_accepted(choice: Any) -> None:
    validate_create_body({"model": "gpt-4.1", "input": "x", "tools": [FUNCTION_TOOL], "tool_choice": choice})


@pytest.mark.parametrize("fmt", TEXT_FORMATS, ids=lambda f: f["type"])
def test_text_formats_are_accepted(fmt: dict[str, Any]) -> None:
    validate_create_body({"model": "gpt-4.1", "input": "x", "text": {"format": fmt, "verbosity": "high"}})


def test_null_is_accepted_for_every_optional_parameter() -> None:
    body: dict[str, Any] = {"model": "gpt-4.1", "input": "x", **dict.fromkeys(OPTIONAL_PARAMS)}
    request = validate_create_body(body)
    assert request.store is True and request.stream is False and request.tools == ()
    check_model_capabilities(request, resolve("gpt-4.1"))


def test_nested_optional_members_accept_null() -> None:
    validate_create_body(
        {
            "model": "gpt-4.1",
            "input": [{"role": "assistant", "content": "x", "phase": None, "status": None, "id": None}],
            "reasoning": {"effort": None, "summary": None, "context": None, "mode": None},
            "text": {"format": None, "verbosity": None},
            "stream_options": {"include_obfuscation": None},
        }
    )


def test_conversation_as_string_or_object_is_accepted() -> None:
    assert validate_create_body({"model": "m", "input": "x", "conversation": "conv_1"}).conversation == "conv_1"
    assert validate_create_body({"model": "m", "input": "x", "conversation": {"id": "conv_2"}}).conversation == "conv_2"


def test_conversation_null_with_previous_response_id_is_not_exclusive() -> None:
    validate_create_body({"model": "m", "input": "x", "conversation": None, "previous_response_id": "resp_1"})


def test_unknown_model_name_passes_schema_validation() -> None:
    # Existence is the model lookup's business (404), not the schema's.
    assert validate_create_body({"model": "gpt-nope", "input": "x"}).model == "gpt-nope"


def test_integers_are_accepted_where_decimals_are_expected() -> None:
    validate_create_body({"model": "m", "input": "x", "temperature": 2, "top_p": 0, "presence_penalty": -2})


def test_empty_input_passes_schema_validation() -> None:
    # "One of input or previous_response_id…" is step 8, after the state lookups, not a schema error.
    validate_create_body({"model": "m", "input": ""})
    validate_create_body({"model": "m", "input": []})


def test_sdk_only_enum_values_are_accepted() -> None:
    for tier in ("auto", "default", "flex", "scale", "priority", "fast", "ultrafast"):
        validate_create_body({"model": "m", "input": "x", "service_tier": tier})


OUTPUT_SAMPLES: list[dict[str, Any]] = [
    {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "phase": "final_answer",
        "content": [
            {
                "type": "output_text",
                "text": "t",
                "logprobs": [
                    {
                        "token": "a",
                        "bytes": [97],
                        "logprob": -0.1,
                        "top_logprobs": [{"token": "a", "bytes": [97], "logprob": -0.1}],
                    }
                ],
                "annotations": [
                    {"type": "file_citation", "file_id": "f", "filename": "n", "index": 1},
                    {
                        "type": "container_file_citation",
                        "container_id": "c",
                        "file_id": "f",
                        "filename": "n",
                        "start_index": 0,
                        "end_index": 1,
                    },
                    {"type": "file_path", "file_id": "f", "index": 0},
                ],
            }
        ],
    },
    {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f", "arguments": "{}", "status": "completed"},
    {
        "type": "function_call_output",
        "id": "fco",
        "call_id": "c",
        "output": [{"type": "input_text", "text": "x"}],
        "status": "completed",
    },
    {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [{"type": "summary_text", "text": "t"}],
        "content": [{"type": "reasoning_text", "text": "t"}],
        "encrypted_content": "gAAAA",
        "status": "completed",
    },
    {
        "type": "web_search_call",
        "id": "ws_1",
        "status": "completed",
        "action": {"type": "search", "query": "q", "sources": [{"type": "url", "url": "https://x"}]},
    },
    {
        "type": "web_search_call",
        "id": "ws_2",
        "status": "completed",
        "action": {"type": "find_in_page", "url": "u", "pattern": "p"},
    },
    {
        "type": "file_search_call",
        "id": "fs_1",
        "queries": ["q"],
        "status": "completed",
        "results": [{"file_id": "f", "filename": "n", "score": 0.5, "text": "t", "attributes": {"a": 1}}],
    },
    {
        "type": "computer_call",
        "id": "cu",
        "call_id": "c",
        "status": "completed",
        "pending_safety_checks": [{"id": "s", "code": "x", "message": "m"}],
        "action": {"type": "click", "button": "left", "x": 1, "y": 2},
    },
    {
        "type": "computer_call",
        "id": "cu2",
        "call_id": "c",
        "status": "completed",
        "pending_safety_checks": [],
        "actions": [{"type": "drag", "path": [{"x": 1, "y": 2}]}],
    },
    {
        "type": "computer_call_output",
        "id": "co",
        "call_id": "c",
        "status": "completed",
        "output": {"type": "computer_screenshot", "image_url": "x"},
    },
    {"type": "custom_tool_call", "id": "ctc_1", "call_id": "call_2", "name": "grep", "input": "x"},
    {"type": "custom_tool_call_output", "id": "ctco", "call_id": "c", "output": "x", "status": "completed"},
    {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": "iVBOR"},
    {
        "type": "code_interpreter_call",
        "id": "ci_1",
        "container_id": "c",
        "status": "completed",
        "code": "1",
        "outputs": [{"type": "logs", "logs": "x"}, {"type": "image", "url": "u"}],
    },
    {
        "type": "local_shell_call",
        "id": "l",
        "call_id": "c",
        "status": "completed",
        "action": {"type": "exec", "command": ["ls"], "env": {}},
    },
    {"type": "local_shell_call_output", "id": "l", "output": "x"},
    {"type": "shell_call", "id": "s", "call_id": "c", "status": "completed", "action": {"commands": ["ls"]}},
    {
        "type": "shell_call_output",
        "id": "s",
        "call_id": "c",
        "status": "completed",
        "output": [{"stdout": "", "stderr": "", "outcome": {"type": "timeout"}}],
    },
    {
        "type": "apply_patch_call",
        "id": "a",
        "call_id": "c",
        "status": "completed",
        "operation": {"type": "update_file", "path": "p", "diff": "d"},
    },
    {"type": "apply_patch_call_output", "id": "a", "call_id": "c", "status": "completed"},
    {"type": "tool_search_call", "id": "t", "arguments": {}, "execution": "server", "status": "completed"},
    {
        "type": "tool_search_output",
        "id": "t",
        "execution": "server",
        "status": "completed",
        "tools": [{"type": "function", "name": "f", "parameters": None, "strict": None, "async": True}],
    },
    {"type": "additional_tools", "id": "t", "role": "developer", "tools": [{"type": "web_search"}]},
    {"type": "program", "id": "p", "call_id": "c", "code": "x", "fingerprint": "f"},
    {"type": "program_output", "id": "p", "call_id": "c", "result": "x", "status": "completed"},
    {"type": "mcp_call", "id": "mcp_1", "name": "t", "server_label": "s", "arguments": "{}"},
    {"type": "mcp_list_tools", "id": "m", "server_label": "s", "tools": [{"name": "t", "input_schema": {}}]},
    {"type": "mcp_approval_request", "id": "mcpr_1", "name": "t", "server_label": "s", "arguments": "{}"},
    {"type": "mcp_approval_response", "id": "m", "approval_request_id": "r", "approve": True},
    {"type": "compaction", "id": "cmp_1", "encrypted_content": "gAAAA"},
]


@pytest.mark.parametrize("sample", OUTPUT_SAMPLES, ids=[f"{i}-{s['type']}" for i, s in enumerate(OUTPUT_SAMPLES)])
def test_replayed_sdk_output_items_are_accepted(sample: dict[str, Any]) -> None:
    # Clients feed `response.output` back as `input`, dumped with every field (explicit nulls included).
    item = pydantic.TypeAdapter(ResponseOutputItem).validate_python(sample)
    dumps = [
        item.model_dump(mode="json", by_alias=True),
        item.model_dump(mode="json", by_alias=True, exclude_unset=True),
        item.model_dump(mode="json", exclude_none=True),
        item.model_dump(mode="json"),
    ]
    check_input_items(dumps, "input")


def test_sdk_replay_of_output_items_is_accepted() -> None:
    # What `client.responses.create(input=previous.output)` actually sends: the SDK's own transform, which
    # spells `async` as `async_`.
    from openai._utils._transform import transform
    from openai.types.responses.response_create_params import ResponseCreateParamsNonStreaming

    item = pydantic.TypeAdapter(ResponseOutputItem).validate_python(
        {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "async": True}
    )
    sent = transform({"model": "gpt-4.1", "input": [item]}, ResponseCreateParamsNonStreaming)
    validate_create_body(sent)


def test_reasoning_model_accepts_sampling_when_effort_is_none() -> None:
    request = validate_create_body(
        {
            "model": "gpt-5.6-terra",
            "input": "x",
            "reasoning": {"effort": "none"},
            "temperature": 0.5,
            "top_logprobs": 1,
            "include": ["message.output_text.logprobs"],
        }
    )
    check_model_capabilities(request, resolve("gpt-5.6-terra"))


def test_plain_model_accepts_sampling_and_logprobs() -> None:
    request = validate_create_body(
        {
            "model": "gpt-4.1",
            "input": "x",
            "temperature": 0.2,
            "top_p": 0.5,
            "top_logprobs": 5,
            "presence_penalty": 1,
            "include": ["message.output_text.logprobs"],
            "prompt_cache_retention": "in_memory",
        }
    )
    check_model_capabilities(request, resolve("gpt-4.1"))


def test_top_logprobs_zero_is_accepted_on_reasoning_models() -> None:
    request = validate_create_body({"model": "gpt-5.6-terra", "input": "x", "top_logprobs": 0})
    check_model_capabilities(request, resolve("gpt-5.6-terra"))


def test_supported_effort_is_accepted() -> None:
    for effort in ("low", "medium", "high", "xhigh", "max"):
        request = validate_create_body({"model": "gpt-5.6-terra", "input": "x", "reasoning": {"effort": effort}})
        check_model_capabilities(request, resolve("gpt-5.6-terra"))


def test_input_tokens_body_is_accepted() -> None:
    body = {
        "model": "gpt-5.6-terra",
        "input": [{"role": "user", "content": "hi"}],
        "instructions": "terse",
        "previous_response_id": "resp_1",
        "tools": [FUNCTION_TOOL],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "reasoning": {"effort": "low"},
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "truncation": "auto",
        "personality": "friendly",
    }
    request = validate_input_tokens_body(body)
    assert request.personality == "friendly" and request.model == "gpt-5.6-terra"


def test_input_tokens_input_is_optional() -> None:
    assert validate_input_tokens_body({"model": "gpt-4.1", "conversation": "conv_1"}).input is None
    assert validate_input_tokens_body({"model": "gpt-4.1", "input": None}).input is None


def test_json_body_is_decoded() -> None:
    assert parse_json_body(b'{"model": "m", "input": "h\\u00e9"}') == {"model": "m", "input": "hé"}
    assert parse_json_body('{"input": "caf\u00e9"}'.encode()) == {"input": "café"}


def test_query_defaults() -> None:
    assert parse_list_query([]) == ListQuery(after=None, include=(), limit=20, order="desc")
    assert parse_retrieve_query([]) == RetrieveQuery(
        include=(), include_obfuscation=True, starting_after=None, stream=False
    )


def test_query_values_are_parsed_and_unknown_names_ignored() -> None:
    query = parse_list_query(
        [
            ("after", "msg_1"),
            ("limit", "100"),
            ("order", "asc"),
            ("include[]", "message.input_image.image_url"),
            ("beta", "true"),
            ("limit", "1"),
        ]
    )
    assert query == ListQuery(after="msg_1", include=("message.input_image.image_url",), limit=1, order="asc")
    retrieve = parse_retrieve_query(
        [
            ("stream", "true"),
            ("starting_after", "0"),
            ("include_obfuscation", "false"),
            ("include", "reasoning.encrypted_content"),
            ("whatever", "x"),
        ]
    )
    assert retrieve == RetrieveQuery(
        include=("reasoning.encrypted_content",), include_obfuscation=False, starting_after=0, stream=True
    )


def test_well_formed_ids_pass() -> None:
    check_id("resp_123", param="response_id", prefix="resp")
