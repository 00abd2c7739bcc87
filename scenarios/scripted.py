"""Scripted replies: which scenario answers a request, with which turn, and what that turn emits.

State is per tenant, so tests running in parallel against one server (each with its own API key) never see
each other's scripts or consumption: a tenant has its own scenario book and reply queue, and its own
counters over the global scenarios loaded from files.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scenarios.base import (
    BackendEvent,
    BackendRequest,
    Delay,
    Fail,
    FunctionCall,
    Incomplete,
    MessageEnd,
    MessageStart,
    Reasoning,
    RefusalDelta,
    TextDelta,
    ToolCall,
)
from scenarios.echo import last_user_text, tool_outputs_after_last_user
from scenarios.files import LoadedScenario
from scenarios.spec import ErrorSpec, LatencySpec, OutputItemSpec, ScenarioSpec, TurnSpec

SCENARIO_HEADER = "x-emulator-scenario"
QUEUE = "(queue)"
_VARIABLE = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class TurnPlan:
    """What a scripted turn does for one request."""

    scenario: str
    turn: int
    error: ErrorSpec | None = None
    events: tuple[BackendEvent, ...] = ()
    latency: LatencySpec | None = None
    drop_after_events: int | None = None
    use_default_model: bool = False
    background: dict[str, float] | None = None  # lifecycle hold of a background response


@dataclass(frozen=True, slots=True)
class NoTurnLeft:
    """A scenario matched but has no turn for this request (``after_last_turn: error``)."""

    scenario: str
    turn: int
    turns: int


class Scenario:
    """A loaded scenario, ready to match requests."""

    def __init__(self, loaded: LoadedScenario) -> None:
        self.spec: ScenarioSpec = loaded.spec
        self.source = loaded.source
        self._regex = re.compile(loaded.spec.match.message) if loaded.spec.match.message else None

    @property
    def name(self) -> str:
        return self.spec.name

    def match(self, request: BackendRequest) -> dict[str, str] | None:
        """The named groups of a match (empty when there are none), or None when a condition fails."""
        match = self.spec.match
        if match.model is not None and not fnmatch.fnmatchcase(request.model, match.model):
            return None
        if any(request.metadata.get(k) != v for k, v in match.metadata.items()):
            return None
        if any(request.headers.get(k.lower()) != v for k, v in match.headers.items()):
            return None
        offered = {str(t.get("name") or t.get("type")) for t in request.tools} | {
            str(t.get("type")) for t in request.tools
        }
        if any(name not in offered for name in match.tools):
            return None
        if match.tool_output is not None and match.tool_output != bool(tool_outputs_after_last_user(request.context)):
            return None
        if self._regex is None:
            return {}
        found = self._regex.search(last_user_text(request.context))
        if found is None:
            return None
        return {k: v for k, v in found.groupdict().items() if v is not None}


class _Book:
    """Scenarios in load order; a later load of the same name replaces the earlier one in place."""

    def __init__(self) -> None:
        self.scenarios: dict[str, Scenario] = {}

    def add(self, loaded: Iterable[LoadedScenario]) -> list[str]:
        names = []
        for item in loaded:
            self.scenarios[item.spec.name] = Scenario(item)
            names.append(item.spec.name)
        return names


@dataclass
class _TenantState:
    book: _Book = field(default_factory=_Book)
    queue: deque[TurnSpec] = field(default_factory=deque)
    served: dict[tuple[str, int], int] = field(default_factory=dict)  # (scenario, turn) -> replies given
    errors: dict[tuple[str, int], int] = field(default_factory=dict)  # (scenario, turn) -> errors given


class Scripts:
    """Global scenarios (from files) and, per tenant, scenarios loaded at run time, a reply queue and counters."""

    def __init__(self, global_scenarios: Sequence[LoadedScenario] = ()) -> None:
        self._global = _Book()
        self._global.add(global_scenarios)
        self._tenants: dict[str, _TenantState] = {}

    def _state(self, tenant: str) -> _TenantState:
        state = self._tenants.get(tenant)
        if state is None:  # (setdefault would build a state, a deque and three dicts, on every request)
            state = self._tenants[tenant] = _TenantState()
        return state

    # --- control ------------------------------------------------------------------------------------------

    def load(self, tenant: str | None, loaded: Sequence[LoadedScenario]) -> list[str]:
        """Add scenarios for one tenant, or globally (``tenant=None``); returns their names."""
        return (self._global if tenant is None else self._state(tenant).book).add(loaded)

    def remove(self, tenant: str | None, name: str) -> bool:
        book = self._global if tenant is None else self._state(tenant).book
        return book.scenarios.pop(name, None) is not None

    def enqueue(self, tenant: str, turns: Sequence[TurnSpec]) -> int:
        """Queue replies that the tenant's next requests get, in order, before any scenario; returns the length."""
        queue = self._state(tenant).queue
        queue.extend(turns)
        return len(queue)

    def reset(self, tenant: str) -> None:
        """Forget the tenant's scenarios, queue and counters (global scenarios stay loaded)."""
        self._tenants.pop(tenant, None)

    def describe(self, tenant: str) -> list[dict[str, Any]]:
        """Every scenario the tenant sees, with each turn's consumption by this tenant."""
        state = self._state(tenant)
        out = []
        for scope, book in (("tenant", state.book), ("global", self._global)):
            for scenario in book.scenarios.values():
                turns = [
                    {
                        "turn": n,
                        "served": state.served.get((scenario.name, n), 0),
                        "errors_served": state.errors.get((scenario.name, n), 0),
                    }
                    for n in range(len(scenario.spec.turns))
                ]
                out.append(
                    {
                        "name": scenario.name,
                        "scope": scope,
                        "source": scenario.source,
                        "description": scenario.spec.description,
                        "turns": turns,
                        "unconsumed_turns": [t["turn"] for t in turns if t["served"] == 0],
                    }
                )
        return out

    def queued(self, tenant: str) -> int:
        return len(self._state(tenant).queue)

    # --- requests -----------------------------------------------------------------------------------------

    def plan(self, tenant: str, request: BackendRequest) -> TurnPlan | NoTurnLeft | None:
        """The scripted answer to a request, or None when no script applies (the default model answers).

        Order: the tenant's queue; a scenario named by the ``x-emulator-scenario`` header; the tenant's
        scenarios; the global scenarios; first match wins.
        """
        state = self._state(tenant)
        if state.queue:
            head = state.queue[0]
            key = (QUEUE, len(state.queue))  # errors given by the reply now at the head of the queue
            if head.error is not None and (head.error.times == "always" or state.errors.get(key, 0) < head.error.times):
                state.errors[key] = state.errors.get(key, 0) + 1
                return TurnPlan(scenario=QUEUE, turn=request.turn_index, error=head.error)
            state.errors.pop(key, None)
            return _plan_turn(QUEUE, request.turn_index, state.queue.popleft(), _variables(request))
        chosen = self._choose(state, request)
        if chosen is None:
            return None
        scenario, groups = chosen
        turns = scenario.spec.turns
        index = request.turn_index
        if index >= len(turns):
            after = scenario.spec.after_last_turn
            if after == "default_model":
                return TurnPlan(scenario=scenario.name, turn=index, use_default_model=True)
            if after == "error":
                return NoTurnLeft(scenario=scenario.name, turn=index, turns=len(turns))
            index = len(turns) - 1
        turn = turns[index]
        key = (scenario.name, index)
        if turn.error is not None and (turn.error.times == "always" or state.errors.get(key, 0) < turn.error.times):
            state.errors[key] = state.errors.get(key, 0) + 1
            return TurnPlan(scenario=scenario.name, turn=index, error=turn.error)
        state.served[key] = state.served.get(key, 0) + 1
        return _plan_turn(scenario.name, index, turn, _variables(request) | groups)

    def _choose(self, state: _TenantState, request: BackendRequest) -> tuple[Scenario, dict[str, str]] | None:
        wanted = request.headers.get(SCENARIO_HEADER)
        for book in (state.book, self._global):
            if wanted is not None:
                scenario = book.scenarios.get(wanted)
                if scenario is not None:
                    return scenario, scenario.match(request) or {}
                continue
            for scenario in book.scenarios.values():
                groups = scenario.match(request)
                if groups is not None:
                    return scenario, groups
        return None


def _variables(request: BackendRequest) -> dict[str, str]:
    """What a turn's text may quote; worked out only for a scripted turn (most requests have none)."""
    return {"input": last_user_text(request.context)}


def _fill(value: Any, variables: Mapping[str, str]) -> Any:
    """Replace ``{name}`` placeholders in every string of a value (unknown names are left alone)."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_fill(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, variables) for k, v in value.items()}
    return value


def _item_events(item: OutputItemSpec, variables: Mapping[str, str]) -> list[BackendEvent]:
    if item.message is not None:
        text, phase = (item.message, None) if isinstance(item.message, str) else (item.message.text, item.message.phase)
        return [MessageStart(phase=phase), TextDelta(_fill(text, variables)), MessageEnd()]
    if item.refusal is not None:
        return [MessageStart(), RefusalDelta(_fill(item.refusal, variables)), MessageEnd()]
    if item.function_call is not None:
        call = item.function_call
        arguments = _fill(call.arguments, variables)
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, separators=(",", ":"))
        return [FunctionCall(name=call.name, arguments=arguments, call_id=call.call_id)]
    if item.reasoning is not None:
        spec = item.reasoning
        if isinstance(spec, str):
            return [Reasoning(tokens=64, summary=(_fill(spec, variables),))]
        return [Reasoning(tokens=spec.tokens, summary=tuple(_fill(s, variables) for s in spec.summary))]
    assert item.tool_call is not None
    return [ToolCall(_fill(item.tool_call, variables))]


def _plan_turn(scenario: str, index: int, turn: TurnSpec, variables: Mapping[str, str]) -> TurnPlan:
    if turn.error is not None and turn.error.times == "always":
        return TurnPlan(scenario=scenario, turn=index, error=turn.error)
    events: list[BackendEvent] = []
    if turn.latency is not None and turn.latency.delay_ms:
        events.append(Delay(turn.latency.delay_ms / 1000))
    for item in turn.output:
        events.extend(_item_events(item, variables))
    if turn.fail is not None:
        if turn.fail.partial and events and isinstance(events[-1], MessageEnd):
            events.pop()  # leave the last message open ...
            last = events.pop()
            if isinstance(last, TextDelta):  # ... with only the first half of its text
                events.append(TextDelta(last.text[: len(last.text) // 2]))
        events.append(Fail(code=turn.fail.code, message=turn.fail.message or ""))
    elif turn.incomplete is not None:
        events.append(Incomplete(turn.incomplete))
    return TurnPlan(
        scenario=scenario,
        turn=index,
        events=tuple(events),
        latency=turn.latency,
        drop_after_events=turn.drop_after_events,
        background=turn.background.model_dump() if turn.background is not None else None,
    )
