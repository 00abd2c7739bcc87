"""Semantic backend events -> the exact wire events of the real API (REFERENCE §D).

The emitter owns everything a backend must not get wrong: item ids, ``output_index``, ``content_index``,
``sequence_number`` (0..n, no gaps), obfuscation padding on deltas, the lifecycle snapshots, the
``max_output_tokens`` budget, and exactly one terminal event. Payload keys are ``type`` first, then
alphabetical, as the 2026 captures show. The events of a text reply, which every response has, are written as
literal dicts with their keys in that order (a quarter of the cost of ordering keyword arguments, ~5 us of a
short create, issue 8); the rarer ones go through ``_next``, which sorts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scenarios.base import (
    BackendEvent,
    Compaction,
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
from server.engine.clone import clone, clone_item
from server.engine.ids import Clock, IdFactory, ResponseIds
from server.engine.logprobs import token_logprobs
from server.engine.opaque import DEFAULT_SECRET, seal
from server.engine.skeleton import ordered, resolved_service_tier
from server.engine.tokens import split_pieces
from server.engine.tool_events import stream_tool_call

JSONObject = dict[str, Any]

TERMINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})
LIFECYCLE_EVENTS = frozenset({"response.created", "response.queued", "response.in_progress"}) | TERMINAL_EVENTS
_OBFUSCATION_WIDTH = 16  # observed: len(delta) + len(obfuscation) ≈ 16
_ARGUMENT_CHUNK = 8  # characters of function-call arguments per delta event


def wire_event(event_type: str, sequence_number: int, **fields: Any) -> JSONObject:
    """A wire event with the observed key order: ``type`` first, the rest alphabetical."""
    fields["sequence_number"] = sequence_number
    return _ordered_event(event_type, fields)


def _ordered_event(event_type: str, fields: dict[str, Any]) -> JSONObject:
    keys = tuple(fields)
    order = _FIELD_ORDERS.get(keys)
    if order is None:
        order = tuple(sorted(keys))
        if len(_FIELD_ORDERS) < _FIELD_ORDERS_KEPT:
            _FIELD_ORDERS[keys] = order
    event: JSONObject = {"type": event_type}
    for key in order:
        event[key] = fields[key]
    return event


# Sorted field orders by the order the fields were passed in: each call site passes the same fields in the same
# order, and sorting them for every event was ~4% of a create (issue 8's profile). Keys come from code only.
_FIELD_ORDERS: dict[tuple[str, ...], tuple[str, ...]] = {}
_FIELD_ORDERS_KEPT = 1024


def opaque_reasoning(item_id: str, summary: tuple[str, ...], tokens: int, *, secret: str = DEFAULT_SECRET) -> str:
    """``encrypted_content`` in the real API's ``gAAAAAB…`` shape; sealed, so the emulator can verify it when a
    client replays the item (``server.engine.references``) and refuse it when altered."""
    return seal({"id": item_id, "summary": list(summary), "tokens": tokens}, purpose="reasoning", secret=secret)


@dataclass
class EmitterOptions:
    """Per-response choices that shape the stream."""

    obfuscate: bool = True
    input_tokens: int = 0
    max_output_tokens: int | None = None
    stream_reasoning_summary: bool = False  # reasoning.summary was requested
    message_phase: str | None = None  # default phase of messages on models that label them
    requested_service_tier: str | None = None
    flat_error_events: bool = False  # SDK-typed flat `error` event instead of the real nested one
    secret: str = DEFAULT_SECRET  # seals reasoning items' encrypted_content
    logprobs: int | None = None  # None: no logprobs; else how many top alternatives each token gets
    # Nobody reads the deltas (a plain create's events only feed the fold): a backend's text goes out as one
    # delta per backend event instead of one per token. The fold, and so the Response, is the same; the
    # budget still counts tokens. Per-token delta events were ~10% of a short create (issue 8).
    coalesce_deltas: bool = False


@dataclass
class _OpenItem:
    index: int
    item: JSONObject
    part: JSONObject | None = None  # the content part being written (messages)
    part_index: int = -1


@dataclass
class _Budget:
    limit: int | None
    used: int = 0
    reasoning: int = 0
    exhausted: bool = False

    def take(self, n: int = 1) -> bool:
        """Spend n tokens if they fit; False (and exhausted) when they do not."""
        if self.limit is not None and self.used + n > self.limit:
            self.exhausted = True
            return False
        self.used += n
        return True


@dataclass
class Emitter:
    """Stateful translator for one response. Call ``start``, then ``feed`` per backend event, then ``finish``."""

    skeleton: JSONObject
    ids: ResponseIds
    id_factory: IdFactory
    clock: Clock
    options: EmitterOptions = field(default_factory=EmitterOptions)

    def __post_init__(self) -> None:
        self.sequence = 0
        self.done_items: list[JSONObject] = []
        self.finished = False
        self._open: _OpenItem | None = None
        self._budget = _Budget(self.options.max_output_tokens)
        self._web_searches = 0

    # --- public ---------------------------------------------------------------------------------------------

    def start(self) -> list[JSONObject]:
        """``response.created`` (+ ``response.queued`` for background) and ``response.in_progress``."""
        return self.opening() + self.in_progress()

    def opening(self) -> list[JSONObject]:
        """``response.created`` (and ``response.queued`` for background): what exists before any work."""
        self.sequence = 0  # a rebuilt background run replays its opening with the same numbers
        events = [self._lifecycle("response.created", self.skeleton["status"])]
        if self.skeleton["status"] == "queued":
            events.append(self._lifecycle("response.queued", "queued"))
        return events

    def in_progress(self) -> list[JSONObject]:
        """``response.in_progress``: the work starts."""
        return [self._lifecycle("response.in_progress", "in_progress")]

    def feed(self, event: BackendEvent) -> list[JSONObject]:
        """Wire events for one backend event (none once the response has ended)."""
        if self.finished:
            return []
        out: list[JSONObject] = []
        match event:
            case MessageStart(phase=phase):
                self._close_open(out)
                self._open_message(out, phase)
            case TextDelta(text=text):
                self._write(out, "output_text", text)
            case RefusalDelta(text=text):
                self._write(out, "refusal", text)
            case MessageEnd():
                self._close_open(out)
            case FunctionCall():
                self._close_open(out)
                self._function_call(out, event)
            case Reasoning():
                self._close_open(out)
                self._reasoning(out, event)
            case ToolCall():
                self._close_open(out)
                final = stream_tool_call(_ToolSink(self, out), event, new_id=self._tool_id)
                if final["type"] == "web_search_call":
                    self._web_searches += 1
            case Compaction(encrypted_content=content):
                self._close_open(out)
                item = {"type": "compaction", "encrypted_content": content}
                stream_tool_call(_ToolSink(self, out), ToolCall(item), new_id=self._tool_id)
            case Incomplete(reason=reason):
                self._end_incomplete(out, reason)
            case Fail(code=code, message=message, param=param):
                self._fail(out, code, message, param)
            case Delay():
                pass  # timing belongs to the pipeline
        if self._budget.exhausted and not self.finished:
            self._end_incomplete(out, "max_output_tokens")
        return out

    def finish(self) -> list[JSONObject]:
        """Close whatever is open and emit ``response.completed`` (unless the response already ended)."""
        if self.finished:
            return []
        out: list[JSONObject] = []
        self._close_open(out)
        out.append(self._terminal("response.completed", "completed"))
        return out

    def fail(self, code: str, message: str) -> list[JSONObject]:
        """End the response as failed (backend crash, timeout, scripted fault)."""
        if self.finished:
            return []
        out: list[JSONObject] = []
        self._fail(out, code, message)
        return out

    def abandon(self) -> JSONObject:
        """The response as stored when its consumer went away mid-run: ``cancelled``, finished items only.

        Emits nothing (there is no one left to send to) and ends the response.
        """
        self.finished = True
        self._open = None
        response = clone(self.skeleton)
        response.update(status="cancelled", output=clone(self.done_items))
        return ordered(response)

    # --- lifecycle ------------------------------------------------------------------------------------------

    def _next(self, event_type: str, **fields: Any) -> JSONObject:
        fields["sequence_number"] = self._sequence()  # (as wire_event does, without packing the fields again)
        return _ordered_event(event_type, fields)

    def _sequence(self) -> int:
        """The next event's sequence number. Literal events call it where ``sequence_number`` sorts among their
        keys, so that numbers still follow the order the events are made in."""
        sequence = self.sequence
        self.sequence = sequence + 1
        return sequence

    def _lifecycle(self, event_type: str, status: str) -> JSONObject:
        # A shallow copy: nobody changes an emitted event or the skeleton, so they may share nested values.
        snapshot = dict(self.skeleton)
        snapshot["status"] = status
        return {"type": event_type, "response": snapshot, "sequence_number": self._sequence()}

    def _usage(self) -> JSONObject:
        input_tokens = self.options.input_tokens
        output_tokens = self._budget.used
        return {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": self._budget.reasoning},
            "total_tokens": input_tokens + output_tokens,
        }

    def _terminal(self, event_type: str, status: str, **changes: Any) -> JSONObject:
        self.finished = True
        # Shallow copies: the skeleton's nested values and the finished items are never changed once emitted
        # (only the open item is, and nothing is open at the end), so the terminal Response may share them.
        # Deep copies of both were ~5% of a create (issue 8's profile).
        response = dict(self.skeleton)
        response.update(
            status=status,
            output=list(self.done_items),
            service_tier=resolved_service_tier(self.options.requested_service_tier),
            usage=self._usage(),
        )
        if status == "completed":
            response["completed_at"] = int(self.clock.now())
        if self._web_searches:
            tool_usage = response["tool_usage"]
            web_search = {**tool_usage["web_search"], "num_requests": self._web_searches}
            response["tool_usage"] = {**tool_usage, "web_search": web_search}
        response.update(changes)
        # Every key set above is one the skeleton has, so the copy keeps the skeleton's order (the real one).
        return {"type": event_type, "response": response, "sequence_number": self._sequence()}

    def _end_incomplete(self, out: list[JSONObject], reason: str) -> None:
        self._close_open(out, status="incomplete")
        out.append(self._terminal("response.incomplete", "incomplete", incomplete_details={"reason": reason}))

    def _fail(self, out: list[JSONObject], code: str, message: str, param: str | None = None) -> None:
        # Observed (REFERENCE §D.4.8): an `error` event with the nested body, then `response.failed`, whose
        # output keeps the items finished so far and whose usage is null. Open items are not closed.
        self._open = None
        if self.options.flat_error_events:
            out.append(self._next("error", code=code, message=message, param=param))
        else:
            error = {"type": _error_type(code), "code": code, "message": message, "param": param}
            out.append(self._next("error", error=error))
        out.append(self._terminal("response.failed", "failed", error={"code": code, "message": message}, usage=None))

    # --- items ----------------------------------------------------------------------------------------------

    def _add_item(self, out: list[JSONObject], item: JSONObject) -> _OpenItem:
        index = len(self.done_items)
        self._open = _OpenItem(index=index, item=item)
        out.append(
            {
                "type": "response.output_item.added",
                "item": clone_item(item),
                "output_index": index,
                "sequence_number": self._sequence(),
            }
        )
        return self._open

    def _done_item(self, out: list[JSONObject], open_item: _OpenItem) -> None:
        # A finished item is never changed again, so its done event carries it as it is.
        self.done_items.append(open_item.item)
        self._open = None
        out.append(
            {
                "type": "response.output_item.done",
                "item": open_item.item,
                "output_index": open_item.index,
                "sequence_number": self._sequence(),
            }
        )

    def _close_open(self, out: list[JSONObject], *, status: str = "completed") -> None:
        open_item = self._open
        if open_item is None:
            return
        if open_item.item["type"] == "message":
            self._close_part(out, open_item)
        elif open_item.item["type"] == "function_call":
            self._finish_arguments(out, open_item)
        open_item.item["status"] = status
        self._done_item(out, open_item)

    def _obfuscation(self, delta: str) -> dict[str, str]:
        if not self.options.obfuscate:
            return {}
        return {"obfuscation": self._padding(delta)}

    def _padding(self, delta: str) -> str:
        return self.id_factory.text(max(2, _OBFUSCATION_WIDTH - len(delta)))

    # --- messages -------------------------------------------------------------------------------------------

    def _open_message(self, out: list[JSONObject], phase: str | None) -> _OpenItem:
        item: JSONObject = {
            "id": self.ids.item("msg"),
            "type": "message",
            "status": "in_progress",
            "content": [],
        }
        phase = phase or self.options.message_phase
        if phase is not None:
            item["phase"] = phase
        item["role"] = "assistant"
        return self._add_item(out, item)

    def _write(self, out: list[JSONObject], kind: str, text: str) -> None:
        open_item = self._open
        if open_item is None or open_item.item["type"] != "message":
            self._close_open(out)
            open_item = self._open_message(out, None)
        if open_item.part is None or open_item.part["type"] != kind:
            self._close_part(out, open_item)
            self._open_part(out, open_item, kind)
        assert open_item.part is not None
        key = "text" if kind == "output_text" else "refusal"
        event_type = "response.output_text.delta" if kind == "output_text" else "response.refusal.delta"
        pieces = split_pieces(text)
        coalesced = self.options.coalesce_deltas and self.options.logprobs is None
        if coalesced:  # the tokens that fit, as one delta
            fitting = 0
            while fitting < len(pieces) and self._budget.take():
                fitting += 1
            pieces = ["".join(pieces[:fitting])] if fitting else []
        obfuscate = self.options.obfuscate
        for piece in pieces:
            if not coalesced and not self._budget.take():
                return
            open_item.part[key] += piece
            event = {
                "type": event_type,
                "content_index": open_item.part_index,
                "delta": piece,
                "item_id": open_item.item["id"],
            }
            if kind == "output_text":
                event["logprobs"] = []
                if self.options.logprobs is not None:
                    event_logprob, part_logprob = token_logprobs(piece, self.options.logprobs)
                    event["logprobs"] = [event_logprob]
                    open_item.part["logprobs"].append(part_logprob)
            if obfuscate:
                event["obfuscation"] = self._padding(piece)
            event["output_index"] = open_item.index
            event["sequence_number"] = self._sequence()
            out.append(event)

    def _open_part(self, out: list[JSONObject], open_item: _OpenItem, kind: str) -> None:
        part = _empty_part(kind)
        open_item.part = part
        open_item.part_index = len(open_item.item["content"])
        open_item.item["content"].append(part)
        out.append(
            {
                "type": "response.content_part.added",
                "content_index": open_item.part_index,
                "item_id": open_item.item["id"],
                "output_index": open_item.index,
                "part": _empty_part(kind),  # the same, as a copy of its own (the part fills as deltas come)
                "sequence_number": self._sequence(),
            }
        )

    def _close_part(self, out: list[JSONObject], open_item: _OpenItem) -> None:
        part = open_item.part
        if part is None:
            return
        content_index, item_id, output_index = open_item.part_index, open_item.item["id"], open_item.index
        if part["type"] == "output_text":
            done_logprobs = [
                {
                    "token": lp["token"],
                    "logprob": lp["logprob"],
                    "top_logprobs": [{"token": t["token"], "logprob": t["logprob"]} for t in lp["top_logprobs"]],
                }
                for lp in part["logprobs"]
            ]
            done = {
                "type": "response.output_text.done",
                "content_index": content_index,
                "item_id": item_id,
                "logprobs": done_logprobs,
                "output_index": output_index,
                "sequence_number": self._sequence(),
                "text": part["text"],
            }
        else:
            done = {
                "type": "response.refusal.done",
                "content_index": content_index,
                "item_id": item_id,
                "output_index": output_index,
                "refusal": part["refusal"],
                "sequence_number": self._sequence(),
            }
        out.append(done)
        out.append(
            {
                "type": "response.content_part.done",
                "content_index": content_index,
                "item_id": item_id,
                "output_index": output_index,
                "part": part,  # a closed part never changes
                "sequence_number": self._sequence(),
            }
        )
        open_item.part = None

    # --- function calls -------------------------------------------------------------------------------------

    def _function_call(self, out: list[JSONObject], call: FunctionCall) -> None:
        item: JSONObject = {
            "id": self.ids.item("fc"),
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": call.call_id or f"call_{self.id_factory.text(24)}",
            "name": call.name,
        }
        open_item = self._add_item(out, item)
        for piece in split_pieces(call.arguments):
            if not self._budget.take():
                break  # stream what fits; feed() then ends the response as incomplete
            item["arguments"] += piece
        arguments = item["arguments"]
        for start in range(0, len(arguments), _ARGUMENT_CHUNK):
            delta = arguments[start : start + _ARGUMENT_CHUNK]
            out.append(
                self._next(
                    "response.function_call_arguments.delta",
                    delta=delta,
                    item_id=item["id"],
                    output_index=open_item.index,
                    **self._obfuscation(delta),
                )
            )
        if not self._budget.exhausted:
            self._close_open(out)

    def _finish_arguments(self, out: list[JSONObject], open_item: _OpenItem) -> None:
        item = open_item.item
        out.append(
            self._next(
                "response.function_call_arguments.done",
                arguments=item["arguments"],
                item_id=item["id"],
                name=item["name"],
                output_index=open_item.index,
            )
        )

    def _tool_id(self, prefix: str) -> str:
        return f"call_{self.id_factory.text(24)}" if prefix == "call" else self.ids.item(prefix)

    # --- reasoning ------------------------------------------------------------------------------------------

    def _reasoning(self, out: list[JSONObject], reasoning: Reasoning) -> None:
        item_id = self.ids.item("rs")
        summary = reasoning.summary if self.options.stream_reasoning_summary else ()
        item: JSONObject = {
            "id": item_id,
            "type": "reasoning",
            "content": [],
            "encrypted_content": opaque_reasoning(item_id, summary, reasoning.tokens, secret=self.options.secret),
            "summary": [],
        }
        open_item = self._add_item(out, item)
        fits = self._budget.take(reasoning.tokens)
        if not fits:  # the whole budget went to thinking: the item ends incomplete, with no output after it
            self._budget.used = self._budget.limit or 0
            self._budget.reasoning = self._budget.used
            return
        self._budget.reasoning += reasoning.tokens
        for index, text in enumerate(summary):
            common = {"item_id": item_id, "output_index": open_item.index, "summary_index": index}
            part = {"type": "summary_text", "text": ""}
            item["summary"].append(part)
            out.append(self._next("response.reasoning_summary_part.added", part=dict(part), **common))
            for piece in split_pieces(text):
                part["text"] += piece
                out.append(
                    self._next(
                        "response.reasoning_summary_text.delta",
                        delta=piece,
                        **common,
                        **self._obfuscation(piece),
                    )
                )
            out.append(self._next("response.reasoning_summary_text.done", text=text, **common))
            out.append(self._next("response.reasoning_summary_part.done", part=dict(part), **common))
        self._done_item(out, open_item)


def _empty_part(kind: str) -> JSONObject:
    if kind == "output_text":
        return {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
    return {"type": "refusal", "refusal": ""}


def _error_type(code: str) -> str:
    if code in ("rate_limit_exceeded", "insufficient_quota"):
        return code if code == "insufficient_quota" else "requests"
    if code in ("server_error", "internal_error"):
        return "server_error"
    return "invalid_request_error"


class _ToolSink:
    """Lets the tool-call choreography (``tool_events``) write through the emitter's numbering."""

    def __init__(self, emitter: Emitter, out: list[JSONObject]) -> None:
        self._emitter = emitter
        self._out = out

    def add(self, item: JSONObject) -> int:
        return self._emitter._add_item(self._out, clone(item)).index

    def event(self, event_type: str, **fields: Any) -> None:
        self._out.append(self._emitter._next(event_type, **fields))

    def done(self, item: JSONObject) -> None:
        open_item = self._emitter._open
        assert open_item is not None
        open_item.item = clone(item)
        self._emitter._done_item(self._out, open_item)

    def padding(self, delta: str) -> dict[str, str]:
        return self._emitter._obfuscation(delta)
