"""Pure fold of wire events into a Response, agreeing with the SDK's stream accumulator.

The fold is how a non-streaming response is made (it is the fold of the same events a stream would send) and
how a response is snapshotted while it runs. It checks what the SDK's ``ResponseStreamState`` checks
(REFERENCE §D.5) plus what the emitter promises: sequence numbers 0..n without gaps, ``response.created``
first, one response id throughout, every content event after its item, and exactly one terminal event.
"""

from __future__ import annotations

from typing import Any

from server.engine.clone import clone, clone_item
from server.engine.emitter import LIFECYCLE_EVENTS, TERMINAL_EVENTS

JSONObject = dict[str, Any]


class StreamInvariantError(AssertionError):
    """The event stream broke a rule the real API (and the SDK accumulator) relies on."""


class Fold:
    """Accumulates events; ``response`` is the current snapshot, ``final`` the terminal one.

    Events are never changed once emitted (the emitter copies what it goes on changing, and every sink only
    reads them), so the fold keeps lifecycle snapshots and done items as they came, and copies only what it
    accumulates deltas into. Copying every snapshot was ~7% of a create (issue 8's profile).
    """

    def __init__(self) -> None:
        self.response: JSONObject | None = None
        self.final: JSONObject | None = None
        self.items: list[JSONObject] = []  # every added item, as accumulated from deltas
        self.done: dict[int, JSONObject] = {}  # output_index -> item as output_item.done sent it
        self.errors: list[JSONObject] = []
        self.next_sequence = 0

    @property
    def terminal(self) -> bool:
        return self.final is not None

    def apply(self, event: JSONObject) -> None:
        event_type = event["type"]
        if event.get("sequence_number") != self.next_sequence:
            raise StreamInvariantError(
                f"expected sequence_number {self.next_sequence}, got {event.get('sequence_number')}"
            )
        self.next_sequence += 1
        if self.final is not None:
            raise StreamInvariantError(f"{event_type} after the terminal event")
        if self.response is None and event_type != "response.created":
            raise StreamInvariantError(f"expected response.created before {event_type}")
        if event_type in LIFECYCLE_EVENTS:
            self._lifecycle(event)
        elif event_type == "error":
            self.errors.append(event)
        elif event_type == "response.output_item.added":
            if event["output_index"] != len(self.items):
                raise StreamInvariantError(f"output item added at index {event['output_index']} out of order")
            self.items.append(clone_item(event["item"]))
        elif event_type == "response.output_item.done":
            self._item_done(event)
        else:
            self._content(event)

    def _lifecycle(self, event: JSONObject) -> None:
        response = event["response"]
        if self.response is not None and response["id"] != self.response["id"]:
            raise StreamInvariantError("Lifecycle response identity changed.")
        self.response = response
        if event["type"] in TERMINAL_EVENTS:
            unfinished = [i for i in range(len(self.items)) if i not in self.done]
            if unfinished and event["type"] == "response.completed":
                raise StreamInvariantError("Cannot complete response with unfinished output items.")
            self.final = self.response

    def _item(self, event: JSONObject) -> JSONObject:
        index = event["output_index"]
        if index >= len(self.items):
            raise StreamInvariantError(
                f"Received a content event for output index {index} before receiving its output item"
            )
        item = self.items[index]
        if item is self.done.get(index):  # never accumulate into an item as its done event sent it
            item = self.items[index] = clone(item)
        return item

    def _item_done(self, event: JSONObject) -> None:
        item = self._item(event)
        finished = event["item"]
        if finished["type"] != item["type"] or finished.get("id") != item.get("id"):
            raise StreamInvariantError("Completed output item identity changed.")
        self._check_accumulated(item, finished)
        self.done[event["output_index"]] = finished
        # Kept as sent: only a broken stream's later deltas would touch it, and ``_item`` copies it for them.
        self.items[event["output_index"]] = finished

    def _check_accumulated(self, accumulated: JSONObject, finished: JSONObject) -> None:
        """What the deltas built must be what the done event says."""
        if finished["type"] == "message":
            built = [p.get("text", p.get("refusal")) for p in accumulated.get("content", [])]
            final = [p.get("text", p.get("refusal")) for p in finished.get("content", [])]
            if built != final:
                raise StreamInvariantError(f"message text from deltas {built!r} != done item {final!r}")
        elif finished["type"] == "function_call" and accumulated.get("arguments") != finished.get("arguments"):
            raise StreamInvariantError("function call arguments from deltas differ from the done item")

    def _content(self, event: JSONObject) -> None:
        event_type = event["type"]
        item = self._item(event)
        if event_type == "response.content_part.added":
            if event["content_index"] != len(item["content"]):
                raise StreamInvariantError("content part added out of order")
            item["content"].append(clone(event["part"]))
        elif event_type == "response.output_text.delta":
            self._part(item, event)["text"] += event["delta"]
        elif event_type == "response.refusal.delta":
            self._part(item, event)["refusal"] += event["delta"]
        elif event_type == "response.function_call_arguments.delta":
            item["arguments"] += event["delta"]
        elif event_type == "response.reasoning_summary_part.added":
            item["summary"].append(clone(event["part"]))
        elif event_type == "response.reasoning_summary_text.delta":
            item["summary"][event["summary_index"]]["text"] += event["delta"]
        # Other events (…done, tool progress) carry no new state: the done item is authoritative.

    @staticmethod
    def _part(item: JSONObject, event: JSONObject) -> JSONObject:
        content = item.get("content") or []
        if event["content_index"] >= len(content):
            raise StreamInvariantError(f"{event['type']} before its content part was added")
        part: JSONObject = content[event["content_index"]]
        return part

    def snapshot(self) -> JSONObject:
        """The response as ``GET`` shows it now: finished items only until the response ends."""
        if self.response is None:
            raise StreamInvariantError("no response.created yet")
        if self.final is not None:
            return self.final
        snapshot = clone(self.response)
        snapshot["output"] = [self.done[i] for i in sorted(self.done)]
        return snapshot


def fold(events: list[JSONObject]) -> JSONObject:
    """The final Response of a complete event stream."""
    state = Fold()
    for event in events:
        state.apply(event)
    if state.final is None:
        raise StreamInvariantError("the stream ended without a terminal event")
    return state.final
