"""``tools`` and ``tool_choice`` (REFERENCE §B.1).

Tool definitions are the SDK's 16 tool TypedDicts, discriminated by ``type`` (``sdk.obj_for``), with the
observed function-tool rules layered on in ``sdk._REPLACED``: ``name`` is required (a chat-shaped
``{type: "function", function: {…}}`` therefore reports ``tools[0].name`` missing — observed) and must match
``^[a-zA-Z0-9_-]+$``; ``parameters``, when sent, must be an object.
"""

from __future__ import annotations

from server.protocol.schema import Arr, Enum, Obj, OneOf
from server.protocol.sdk import obj_for, tagged, typeddicts_in

# Unknown tool type → `Invalid value: 'x'. Supported values are: 'function', …` at `tools[i].type`, listed in
# the SDK's order [inferred: wording follows the content-part rule; the list itself is unobserved].
TOOL = tagged([obj_for(t) for t in typeddicts_in("responses.tool_param.ToolParam")])
TOOLS = Arr(TOOL, expected="an array of tools")  # observed phrase

TOOL_CHOICE_MODES = Enum(("none", "auto", "required"))  # observed message
# The union's other member, the `"none" | "auto" | "required"` literal, is TOOL_CHOICE_MODES.
_CHOICE_OBJECTS: list[Obj] = [obj_for(t) for t in typeddicts_in("responses.response_create_params.ToolChoice")]
# `{type: "function"}` without a name → `Missing required parameter: 'tool_choice.name'.` (observed; the
# chat-shaped `{type: "function", function: {name}}` reports the same, since missing beats unknown).
TOOL_CHOICE_OBJECT = tagged(_CHOICE_OBJECTS)
TOOL_CHOICE = OneOf(
    [TOOL_CHOICE_OBJECT, TOOL_CHOICE_MODES],
    expected="one of an object or 'none', 'auto', or 'required'",  # observed
)
