"""Request bodies of ``POST /v1/responses``, ``…/input_tokens`` and ``…/compact``: steps 1–6 of §B.4.

1. ``model`` missing → 2. ``input`` key missing → 3. unknown top-level keys → 4. ``input`` and each item →
5. per-parameter checks in the server's observed order → 6. ``conversation`` + ``previous_response_id``.
The first error wins. Server-state lookups (step 7), the empty-input check (8) and the model-capability pass
(9, ``capabilities.py``) come later, in the service.
"""

from __future__ import annotations

import json
import math
import re

import orjson

from server.errors import InvalidRequestError
from server.protocol import fields as f
from server.protocol.hints import did_you_mean
from server.protocol.items import check_input
from server.protocol.requests import CreateResponseRequest
from server.protocol.schema import BOOL, STR, Node
from server.protocol.sdk import obj_for
from server.protocol.tools import TOOL_CHOICE, TOOLS
from server.protocol.wording import kind_of, missing, unknown, wrong_type

JSON_PARSE_ERROR = (
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
    # Observed verbatim, truncation of the parameter name and empty quotes included.
    "Mutually exclusive parameters: ''. Ensure you are only providing one of: 'pre..._id' or 'conversation'."
)

# Step 5, in the observed order (each "order X beats Y" row of OBS-A), then the parameters whose position no
# observation pins down [inferred order].
CREATE_CHECKS: tuple[tuple[str, Node], ...] = (
    ("moderation", f.MODERATION),
    ("include", f.INCLUDE),
    ("tools", TOOLS),
    ("metadata", f.METADATA),
    ("text", f.TEXT),
    ("temperature", f.TEMPERATURE),
    ("top_p", f.TOP_P),
    ("presence_penalty", f.PENALTY),
    ("frequency_penalty", f.PENALTY),
    ("parallel_tool_calls", BOOL),
    ("stream", BOOL),
    ("stream_options", f.STREAM_OPTIONS),
    ("background", BOOL),
    ("max_output_tokens", f.MAX_OUTPUT_TOKENS),
    ("max_tool_calls", f.MAX_TOOL_CALLS),
    ("reasoning", f.REASONING),
    ("user", STR),
    ("safety_identifier", f.SAFETY_IDENTIFIER),
    ("prompt_cache_options", f.PROMPT_CACHE_OPTIONS),
    ("prompt_cache_key", STR),
    ("prompt_cache_retention", f.PROMPT_CACHE_RETENTION),
    ("truncation", f.TRUNCATION),
    ("instructions", STR),
    ("store", BOOL),
    ("service_tier", f.SERVICE_TIER),
    ("top_logprobs", f.TOP_LOGPROBS),
    ("context_management", f.CONTEXT_MANAGEMENT),
    # ---- positions below are not observed
    ("previous_response_id", STR),
    ("conversation", f.CONVERSATION),
    ("prompt", f.PROMPT),
    ("tool_choice", TOOL_CHOICE),
    ("verbosity", f.VERBOSITY),  # sent top-level by the SDK's parse()
    ("access_programs", f.ACCESS_PROGRAMS),
    ("image", f.IMAGE),
)
CREATE_KEYS: tuple[str, ...] = ("model", "input", *(name for name, _ in CREATE_CHECKS))

# POST /v1/responses/input_tokens (REFERENCE §A row 6); order follows the create order [inferred].
INPUT_TOKENS_CHECKS: tuple[tuple[str, Node], ...] = (
    ("tools", TOOLS),
    ("text", f.TEXT),
    ("parallel_tool_calls", BOOL),
    ("reasoning", f.REASONING),
    ("truncation", f.TRUNCATION),
    ("instructions", STR),
    ("previous_response_id", STR),
    ("conversation", f.CONVERSATION),
    ("tool_choice", TOOL_CHOICE),
    ("personality", f.PERSONALITY),
)
INPUT_TOKENS_KEYS: tuple[str, ...] = ("model", "input", *(name for name, _ in INPUT_TOKENS_CHECKS))

# POST /v1/responses/compact (REFERENCE §A row 7); order follows the create order [inferred].
COMPACT_CHECKS: tuple[tuple[str, Node], ...] = (
    ("prompt_cache_options", obj_for("responses.response_compact_params.PromptCacheOptions")),
    ("prompt_cache_key", STR),
    ("prompt_cache_retention", f.PROMPT_CACHE_RETENTION),
    ("instructions", STR),
    ("service_tier", f.SERVICE_TIER),
    ("previous_response_id", STR),
    ("image", obj_for("responses.response_compact_params.Image")),
)
COMPACT_KEYS: tuple[str, ...] = ("model", "input", *(name for name, _ in COMPACT_CHECKS))

_CREATE_KEY_SET = frozenset(CREATE_KEYS)
_INPUT_TOKENS_KEY_SET = frozenset(INPUT_TOKENS_KEYS)
_COMPACT_KEY_SET = frozenset(COMPACT_KEYS)


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 would otherwise become inf and leak into echoes
        raise ValueError("number out of range")
    return value


# Deepest nesting of arrays and objects a body may have. Real requests stay far below it (strict structured
# output schemas allow 10 levels); past it, the recursive code downstream (validators, copies, the JSON encoder)
# would hit Python's recursion limit and answer a 500. [inferred] Like serde_json's default limit of 128, a
# deeper body reads as unparseable.
MAX_JSON_DEPTH = 128


def parse_json_body(raw: bytes) -> object:
    """Decode a request body as strict JSON (UTF-8, no ``NaN``/``Infinity``), or raise the API's 400.

    Empty bodies, invalid UTF-8, a byte-order mark, trailing garbage and over-deep nesting (past the parser's
    recursion limit, or past ``MAX_JSON_DEPTH``) all get the same "We could not parse the JSON body…" error
    with ``param``/``code`` null.
    """
    value: object
    try:
        if _LONG_INTEGER.search(raw) is not None:
            raise ValueError("orjson reads integers past 64 bits as floats")
        # orjson refuses NaN/Infinity and infinite numbers as the strict parse below does, and is ~5x faster;
        # what it refuses that JSON allows (escaped lone surrogates, nesting past 1,024, integers too big for a
        # double) goes to the standard library, which decides.
        value = orjson.loads(raw)
    except ValueError:  # orjson.JSONDecodeError is one
        value = _parse_strictly(raw)
    # Counting brackets is cheap (bytes.count runs in C); only a body with enough of them can be too deep.
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _too_deep(value, MAX_JSON_DEPTH):
        raise InvalidRequestError(JSON_PARSE_ERROR)
    return value


def _parse_strictly(raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidRequestError(JSON_PARSE_ERROR) from None


# Nineteen digits in a row may be an integer outside 64 bits (or may sit in a string: then the slow path only
# costs time).
_LONG_INTEGER = re.compile(rb"[0-9]{19}")


def _too_deep(value: object, limit: int) -> bool:
    """Whether ``value`` nests arrays/objects more than ``limit`` deep (iteratively: no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def validate_create_body(body: object) -> CreateResponseRequest:
    """Validate a ``POST /v1/responses`` body (steps 1–6 of §B.4); the first error wins."""
    obj = as_object(body)
    _check_model(obj)
    if "input" not in obj:
        # Observed: required even when previous_response_id / conversation / prompt are present.
        raise missing("input")
    _check_keys(obj, _CREATE_KEY_SET, CREATE_KEYS)
    check_input(obj["input"])
    _check_values(obj, CREATE_CHECKS)
    _check_exclusive(obj)
    _check_model_named(obj)
    return CreateResponseRequest.from_body(obj)


def validate_input_tokens_body(body: object) -> CreateResponseRequest:
    """Validate a ``POST /v1/responses/input_tokens`` body: the create rules over its smaller key set.

    ``model`` is required; ``input`` is optional (the count may come from ``conversation`` or
    ``previous_response_id`` alone).
    """
    obj = as_object(body)
    _check_model(obj)
    _check_keys(obj, _INPUT_TOKENS_KEY_SET, INPUT_TOKENS_KEYS)
    if obj.get("input") is not None:
        check_input(obj["input"])
    _check_values(obj, INPUT_TOKENS_CHECKS)
    _check_exclusive(obj)
    _check_model_named(obj)
    return CreateResponseRequest.from_body(obj)


def validate_compact_body(body: object) -> CreateResponseRequest:
    """Validate a ``POST /v1/responses/compact`` body: ``model`` required, ``input`` optional, the create
    rules (and wording) over its own key set."""
    obj = as_object(body)
    _check_model(obj)
    _check_keys(obj, _COMPACT_KEY_SET, COMPACT_KEYS)
    if obj.get("input") is not None:
        check_input(obj["input"])
    _check_values(obj, COMPACT_CHECKS)
    _check_model_named(obj)
    return CreateResponseRequest.from_body(obj)


def as_object(body: object) -> dict[str, object]:
    """The body as a JSON object, or the type error every endpoint with a JSON body answers."""
    if isinstance(body, dict):
        return body
    # [inferred] wording: no capture of a non-object JSON body exists; this follows the type-error family.
    got = "null" if body is None else kind_of(body)
    raise InvalidRequestError(f"Invalid type for body: expected an object, but got {got} instead.", code="invalid_type")


def _check_model(obj: dict[str, object]) -> None:
    if "model" not in obj:
        raise missing("model")
    model = obj["model"]
    if not isinstance(model, str):
        raise wrong_type("model", "a string", model)  # null reads "an object" (observed)


def _check_keys(obj: dict[str, object], known: frozenset[str], order: tuple[str, ...]) -> None:
    for key in obj:
        if key in known:
            continue
        if key == "messages":
            raise InvalidRequestError(MESSAGES_MOVED, param=None, code="unsupported_parameter")
        raise unknown(key, did_you_mean(key, order, obj))


def _check_values(obj: dict[str, object], checks: tuple[tuple[str, Node], ...]) -> None:
    for name, node in checks:
        value = obj.get(name)
        if value is not None:  # absent and null are both "not sent" for every optional parameter
            node.check(value, name)


def _check_exclusive(obj: dict[str, object]) -> None:
    if obj.get("conversation") is not None and obj.get("previous_response_id") is not None:
        raise InvalidRequestError(MUTUALLY_EXCLUSIVE, param=None, code="mutually_exclusive_parameters")


def _check_model_named(obj: dict[str, object]) -> None:
    # Observed message and code; its position after the schema checks is [inferred] (it behaves like the
    # model lookup, which answers 404 for unknown names later on).
    if obj["model"] == "":
        raise InvalidRequestError("The requested model '' does not exist.", param="model", code="model_not_found")
