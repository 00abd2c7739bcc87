"""``input``: its type, and each input item in index order (REFERENCE §B.3; step 4 of §B.4).

Messages and their content parts follow observed rules (role list, per-role content types, ``phase`` only on
assistant items, ``status``/``id``/``type:"message"`` accepted on user items). Every other item type is
checked against the SDK's TypedDict for it (``sdk.obj_for``), plus the members the SDK's *output* models
carry for the same type (e.g. ``created_by``), because clients replay ``response.output`` as the next
``input`` and the real API accepts such replays.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.protocol.schema import ANY, STR, Enum, Field, Obj, optional
from server.protocol.sdk import obj_for, typeddicts_in
from server.protocol.sdk_snapshot import OUTPUT_ITEM_MEMBERS
from server.protocol.wording import MISSING, at, bad_value, join, missing, unknown, wrong_type

# Observed verbatim (gpt-5.6-terra, 2026-08-30): the server's item-type list. It is wider than the SDK's
# (agent_message, multi_agent_call…) and lacks the SDK's `configuration_update`, which is accepted anyway
# because SDK 3.51.0 can send it; the message stays exactly as observed.
ITEM_TYPES = (
    "additional_tools", "agent_message", "apply_patch_call", "apply_patch_call_output", "code_interpreter_call",
    "compaction", "compaction_trigger", "computer_call", "computer_call_output", "custom_tool_call",
    "custom_tool_call_output", "file_search_call", "function_call", "function_call_output",
    "image_generation_call", "item_reference", "local_shell_call", "local_shell_call_output",
    "mcp_approval_request", "mcp_approval_response", "mcp_call", "mcp_list_tools", "message",
    "multi_agent_call", "multi_agent_call_output", "program", "program_output", "reasoning", "shell_call",
    "shell_call_output", "tool_search_call", "tool_search_output", "web_search_call",
)  # fmt: skip
ROLES = ("assistant", "system", "developer", "user")
# Observed verbatim: every content-part type the server knows (checked first, at `…content[j].type`)…
CONTENT_TYPES = (
    "input_text", "input_image", "input_audio", "output_text", "refusal", "input_file", "computer_screenshot",
    "summary_text", "encrypted_content",
)  # fmt: skip
# …then the ones a role may carry (checked second, reported at `…content[j]`). `scoped_content` is in the
# observed user list but not in the type list above, so it can never get this far — faithfully so.
INPUT_PARTS = ("input_text", "input_image", "input_file", "scoped_content", "input_audio")
ASSISTANT_PARTS = ("output_text", "refusal")

INPUT_TYPE_EXPECTED = "one of a string or array of input items"  # observed
ITEM_EXPECTED = "an input item"  # observed
CONTENT_EXPECTED = "one of a string or array of input content"  # [inferred], modelled on INPUT_TYPE_EXPECTED

_STATUS = Enum(("in_progress", "completed", "incomplete"))
_PHASE = Enum(("commentary", "final_answer"))  # observed message
_USER_FIELDS: dict[str, Field] = {
    "role": optional(ANY),
    "content": optional(ANY),
    "type": optional(Enum(("message",))),
    "status": optional(_STATUS),
    "id": optional(STR),
}
_ASSISTANT_FIELDS: dict[str, Field] = {**_USER_FIELDS, "phase": optional(_PHASE)}

_PARTS: dict[str, Obj] = {
    "input_text": obj_for("responses.response_input_text_param.ResponseInputTextParam"),
    "input_image": obj_for("responses.response_input_image_param.ResponseInputImageParam"),
    "input_file": obj_for("responses.response_input_file_param.ResponseInputFileParam"),
    "input_audio": obj_for("responses.response_input_audio_param.ResponseInputAudioParam"),
    "output_text": obj_for("responses.response_output_text_param.ResponseOutputTextParam"),
    "refusal": obj_for("responses.response_output_refusal_param.ResponseOutputRefusalParam"),
}
_MESSAGE_PARAMS = {"EasyInputMessageParam", "Message", "ResponseOutputMessageParam"}


def _item_nodes() -> dict[str, Obj]:
    # Item type → every member name the SDK's output/stored item models carry for it, by field name and by
    # alias: the SDK's own replay (`transform` → `model_dump` without aliases) sends `async` back as `async_`.
    replayed = OUTPUT_ITEM_MEMBERS
    nodes: dict[str, Obj] = {}
    for param in typeddicts_in("responses.response_input_item_param.ResponseInputItemParam"):
        if param.rpartition(".")[2] in _MESSAGE_PARAMS:
            continue
        derived = obj_for(param)
        tags = derived.fields["type"].node
        assert isinstance(tags, Enum)
        for tag in tags.listed:
            extra = {name: optional(ANY) for name in sorted(replayed.get(tag, ())) if name not in derived.fields}
            nodes[tag] = Obj({**derived.fields, **extra}) if extra else derived
    # Types the server lists but the SDK does not describe: accepted with any members.
    for tag in ITEM_TYPES:
        if tag != "message" and tag not in nodes:
            nodes[tag] = Obj(closed=False)
    return nodes


_ITEMS = _item_nodes()


def check_input(value: object, path: str = "input") -> None:
    """``input``: a string, or an array of input items checked in index order."""
    if isinstance(value, str):
        return
    if isinstance(value, list):
        check_items(value, path)
        return
    if value is None:
        raise wrong_type(path, "a string", value)  # observed: null reads "expected a string"
    raise wrong_type(path, INPUT_TYPE_EXPECTED, value)


def check_items(items: Iterable[object], path: str = "input") -> None:
    """Each element of an input-item array (also usable for conversation ``items``)."""
    for i, item in enumerate(items):
        check_item(item, at(path, i))


def check_item(item: object, path: str) -> None:
    """One input item: a message (no ``type`` or ``type: "message"``) or a typed item."""
    if not isinstance(item, dict):
        raise wrong_type(path, ITEM_EXPECTED, item)
    tag = item.get("type", MISSING)
    if tag is MISSING:
        # SDK `ItemReference` makes `type` optional: a bare `{"id": …}` is a reference [inferred; `{}` itself
        # is observed to be a role-less message].
        if "role" not in item and len(item) == 1 and "id" in item:
            _ITEMS["item_reference"].check_members(item, path)
            return
        _check_message(item, path)
        return
    if tag == "message":
        _check_message(item, path)
        return
    node = _ITEMS.get(tag) if isinstance(tag, str) else None
    if node is None:
        raise bad_value(path, tag, ITEM_TYPES)
    node.check_members(item, path)


def _check_message(item: dict[str, object], path: str) -> None:
    # Order: role (it selects the variant, observed at `input[i]`) → missing content (observed) → unknown
    # members (observed) → member values.
    role = item.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise bad_value(path, role, ROLES)
    if "content" not in item:
        raise missing(join(path, "content"))
    fields = _ASSISTANT_FIELDS if role == "assistant" else _USER_FIELDS
    for key in item:
        if key not in fields:
            raise unknown(join(path, key))
    content = item["content"]
    content_path = join(path, "content")
    if isinstance(content, list):
        allowed = ASSISTANT_PARTS if role == "assistant" else INPUT_PARTS
        for j, part in enumerate(content):
            _check_part(part, at(content_path, j), allowed)
    elif content is None:
        raise wrong_type(content_path, "a string", content)  # like `input: null` [inferred]
    elif not isinstance(content, str):
        raise wrong_type(content_path, CONTENT_EXPECTED, content)
    for name in ("type", "status", "id", "phase"):
        value = item.get(name)
        if value is not None and name in fields:
            fields[name].node.check(value, join(path, name))


def _check_part(part: object, path: str, allowed: tuple[str, ...]) -> None:
    if not isinstance(part, dict):
        raise wrong_type(path, "an object", part)  # [inferred]
    tag = part.get("type", MISSING)
    if tag is MISSING:
        raise missing(join(path, "type"))  # [inferred]
    if not isinstance(tag, str) or tag not in CONTENT_TYPES:
        raise bad_value(join(path, "type"), tag, CONTENT_TYPES)
    if tag not in allowed:
        raise bad_value(path, tag, allowed)
    node = _PARTS.get(tag)
    if node is None:  # a known type with no request schema (computer_screenshot…): accept as sent
        return
    node.check_members(part, path)
