"""Nodes for the top-level create parameters, with the observed wording of REFERENCE §B.1.

Each constant validates one parameter's value (null and absence are handled by the caller: every optional
parameter accepts null). Where the server's error message lists fewer enum values than the SDK can send
(``service_tier``), the SDK's extra values are accepted and the message stays verbatim.
"""

from __future__ import annotations

from server.errors import InvalidRequestError
from server.protocol.schema import BOOL, STR, Arr, Custom, Enum, Int, Num, Obj, OneOf, Str, optional, required
from server.protocol.sdk import obj_for, tagged
from server.protocol.wording import join, listing, too_long, wrong_type

INCLUDABLE = (
    "file_search_call.results",
    "web_search_call.results",
    "web_search_call.action.sources",
    "message.input_image.image_url",
    "computer_call_output.output.image_url",
    "code_interpreter_call.outputs",
    "reasoning.encrypted_content",
    "message.output_text.logprobs",
)


def _abbreviated(value: str) -> str:
    # The server shortens long literals inside this one observed type message ('fil...lts'); when it does so
    # elsewhere is unknown, so only `include` uses it.
    return f"{value[:3]}...{value[-3:]}" if len(value) > 10 else value


_INCLUDE_MEMBER = Enum(INCLUDABLE, expected="one of " + listing([_abbreviated(v) for v in INCLUDABLE], "or"))
INCLUDE = Arr(_INCLUDE_MEMBER, expected=f"an array of {_INCLUDE_MEMBER.expected}")  # observed phrase

# --------------------------------------------------------------------------------------------- metadata
METADATA_MAX_KEYS = 16
METADATA_KEY_MAX = 64
METADATA_VALUE_MAX = 512


def _check_metadata(value: object, path: str) -> None:
    if not isinstance(value, dict):
        raise wrong_type(path, "a metadata object", value)  # observed
    if len(value) > METADATA_MAX_KEYS:
        raise InvalidRequestError(  # observed
            f"Invalid '{path}': too many properties. Expected an object with at most {METADATA_MAX_KEYS} "
            f"properties, but got an object with {len(value)} properties instead.",
            param=path,
            code="object_above_max_properties",
        )
    for key, item in value.items():
        if len(key) > METADATA_KEY_MAX:
            # [inferred] wording: the maxLength family, applied to the key.
            raise InvalidRequestError(
                f"Invalid '{path}': key too long. Expected a key with maximum length {METADATA_KEY_MAX}, "
                f"but got a key with length {len(key)} instead.",
                param=path,
                code="string_above_max_length",
            )
        member = join(path, key)
        if not isinstance(item, str):
            raise wrong_type(member, "a string", item)  # [inferred]
        if len(item) > METADATA_VALUE_MAX:
            raise too_long(member, len(item), METADATA_VALUE_MAX)  # [inferred] wording, documented limit


METADATA = Custom(_check_metadata, expected="a metadata object")

# --------------------------------------------------------------------------------------------- reasoning
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


def _check_effort(value: object, path: str) -> None:
    # Three observed messages: an unknown string lists all seven efforts; an integer reads like a legacy
    # four-value enum; anything else (object, array) gets the doubled "one of one of … or integer".
    if isinstance(value, str):
        if value not in EFFORTS:
            raise InvalidRequestError(
                f"Invalid value: '{value}'. Supported values are: {listing(EFFORTS, 'and')}.",
                param=path,
                code="invalid_value",
            )
        return
    if isinstance(value, int) and not isinstance(value, bool):
        raise wrong_type(path, "one of 'minimal', 'low', 'medium', or 'high'", value)
    # Booleans and decimals are assumed to take this branch [inferred].
    raise wrong_type(path, f"one of one of {listing(EFFORTS, 'or')} or integer", value)


REASONING = Obj(
    {
        "effort": optional(Custom(_check_effort)),
        "summary": optional(Enum(("concise", "detailed", "auto"))),  # observed order
        "context": optional(Enum(("auto", "current_turn", "all_turns"))),
        "mode": optional(STR),  # open string in the SDK ("standard", "pro", …)
        # `generate_summary` is deliberately absent: observed `Unknown parameter: 'reasoning.generate_summary'.`
    }
)

# --------------------------------------------------------------------------------------------- text
# json_schema `name`: the pattern is the tool-name pattern (observed wording there), capped at 64 [inferred].
_JSON_SCHEMA = obj_for(
    "responses.response_format_text_json_schema_config_param.ResponseFormatTextJSONSchemaConfigParam"
)
_JSON_SCHEMA_FORMAT = Obj({**_JSON_SCHEMA.fields, "name": required(Str(max_length=64, pattern="^[a-zA-Z0-9_-]+$"))})
TEXT_FORMAT = tagged(
    [
        obj_for("shared_params.response_format_text.ResponseFormatText"),
        _JSON_SCHEMA_FORMAT,
        obj_for("shared_params.response_format_json_object.ResponseFormatJSONObject"),
    ],
    listed=("json_object", "text", "json_schema"),  # observed order
)
VERBOSITY = Enum(("low", "medium", "high"))  # observed
TEXT = Obj({"format": optional(TEXT_FORMAT), "verbosity": optional(VERBOSITY)})

# --------------------------------------------------------------------------------------------- the rest
STREAM_OPTIONS = Obj({"include_obfuscation": optional(BOOL)})  # `include_usage` → unknown (observed)
PROMPT_CACHE_OPTIONS = obj_for("responses.response_create_params.PromptCacheOptions")
PROMPT_CACHE_RETENTION = Enum(("in_memory", "24h"))  # observed
TRUNCATION = Enum(("auto", "disabled"))  # observed
SERVICE_TIER = Enum(
    ("auto", "default", "fast", "flex", "priority"),  # observed message
    accepted=("scale", "ultrafast"),  # SDK 3.51.0 can send these too
)
MODERATION = obj_for("responses.response_create_params.Moderation")
# `type` is a plain string in the SDK; "compaction" is the only documented value, so others are rejected
# with the usual enum message [inferred].
CONTEXT_MANAGEMENT = Arr(
    Obj({"type": required(Enum(("compaction",))), "compact_threshold": optional(Int())}),
    expected="an array of objects",  # observed phrase
)
PROMPT = obj_for("responses.response_prompt_param.ResponsePromptParam")
CONVERSATION = OneOf([STR, Obj({"id": required(STR)})])  # "one of a string or an object" [inferred]
ACCESS_PROGRAMS = obj_for("responses.response_create_params.AccessPrograms")
IMAGE = obj_for("responses.response_create_params.Image")
PERSONALITY = Str(max_length=64)

TEMPERATURE = Num(minimum=0, maximum=2)
TOP_P = Num(minimum=0, maximum=1)
PENALTY = Num(minimum=-2, maximum=2)
MAX_OUTPUT_TOKENS = Int(minimum=16)  # observed floor
MAX_TOOL_CALLS = Int(minimum=1)  # observed floor
TOP_LOGPROBS = Int(minimum=0, maximum=20)
SAFETY_IDENTIFIER = Str(max_length=128)  # documented limit; wording [inferred]
