"""Grouping recorded exchanges into scenarios: one thread of requests is one scenario, its replies the turns.

A request continues a thread when it chains from a recorded response (``previous_response_id``), names a
recorded conversation, or resends a history whose last model reply is a thread's last recorded turn; anything
else starts a new thread. An HTTP error is held as its turn's ``error`` until a later request of the same thread
position answers, which becomes that turn's output: the 429-then-retry pattern replays as it happened.

Replay picks a scenario per request by ``match``, and the emulator matches ``message`` against the request's
last user message, so the written regex accepts exactly the last user messages the thread's turns were asked
with (the first of them is the thread's opening message).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scenarios.files import ScenarioLoadError, load_text
from server.recording.convert import (
    JSONObject,
    Redactor,
    conversation_id,
    error_turn,
    input_items,
    is_model_output,
    item_keys,
    last_user,
    replies_in,
    response_turn,
    user_texts,
)
from server.recording.writer import render, write_atomically

logger = logging.getLogger("openai_emulator.recorder")

# Stands in for replies a client brought in its own history before the recorder saw the thread: replay never
# asks for them (the client sends the same history again), but they keep later turns at their index.
UNRECORDED = {"output": [{"message": "(not recorded: this reply came in the client's own history)"}]}
_NUMBERED = re.compile(r"^rec-(\d+)-")
_REGEX_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")
_GLOB_SPECIAL = re.compile(r"([*?\[])")


@dataclass
class Turn:
    """One reply of a thread; ``answered`` is False while it only holds an error the client may retry past."""

    spec: JSONObject
    user_text: str | None  # the last user message it was asked with (None: not recorded, never asked on replay)
    answered: bool = True


@dataclass
class Thread:
    number: int
    name: str
    model: str
    first_message: str
    started: datetime
    turns: list[Turn] = field(default_factory=list)
    mixed_models: bool = False
    updated: datetime | None = None

    def next_position(self) -> int:
        """Where the thread's next request lands: a pending error's turn, else after the last turn."""
        for position, turn in enumerate(self.turns):
            if not turn.answered:
                return position
        return len(self.turns)

    def recorded_something(self) -> bool:
        return any(turn.answered and turn.user_text is not None for turn in self.turns)


def regex_literal(text: str) -> str:
    """``text`` as a regex matching itself, escaping only metacharacters (``re.escape`` also escapes spaces,
    which makes recorded files hard to read)."""
    return _REGEX_SPECIAL.sub(r"\\\1", text)


def glob_literal(text: str) -> str:
    """``text`` as an fnmatch pattern matching only itself."""
    return _GLOB_SPECIAL.sub(r"[\1]", text)


def slug(text: str, limit: int = 40) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:limit].rstrip("-") or "thread"


class RecordingBook:
    """The threads recorded so far, their indexes, and their files under ``out_dir`` (rewritten per turn)."""

    def __init__(
        self,
        out_dir: Path,
        *,
        upstream: str,
        redactor: Redactor,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.out_dir = out_dir
        self.upstream = upstream
        self.redact = redactor
        self._clock = clock
        out_dir.mkdir(parents=True, exist_ok=True)
        # Numbering continues after earlier recordings in the directory, so names never collide on load.
        existing = [int(m.group(1)) for p in out_dir.iterdir() if (m := _NUMBERED.match(p.name))]
        self._next_number = max(existing, default=0) + 1
        self.threads: list[Thread] = []
        self._responses: dict[str, tuple[Thread, int]] = {}
        self._conversations: dict[str, Thread] = {}
        self._items: dict[tuple[str, str], tuple[Thread, int]] = {}

    # --- recording ----------------------------------------------------------------------------------------

    def record_response(self, request: Mapping[str, Any], response: Mapping[str, Any]) -> Thread:
        """Record a finished Response (a JSON body, or a stream's terminal ``response``) as its thread's turn."""
        thread, position = self._place(request)
        turn = self._turn_at(thread, position, request)
        # After errors at this position, this answer is what the retry got: the turn plays error, then output.
        held = {"error": turn.spec["error"]} if not turn.answered and "error" in turn.spec else {}
        turn.spec = held | response_turn(response, self.redact)
        turn.answered = True
        if isinstance(response.get("id"), str):
            self._responses[response["id"]] = (thread, position)
        for item in response.get("output") or ():
            if isinstance(item, dict):
                for key in item_keys(item):
                    self._items[key] = (thread, position)
        conversation = conversation_id(response) or conversation_id(request)
        if conversation is not None:
            self._conversations[conversation] = thread
        self._save(thread)
        return thread

    def record_error(self, request: Mapping[str, Any], status: int, body: Any, headers: Mapping[str, str]) -> Thread:
        """Record an HTTP error answer: the error of its turn, counted again if the same error repeats."""
        thread, position = self._place(request)
        new = error_turn(status, body, headers, self.redact)
        turn = self._turn_at(thread, position, request)
        held = turn.spec.get("error")
        if not turn.answered and held is not None and _same_error(held, new["error"]):
            held["times"] += 1
        else:
            turn.spec = new
            turn.answered = False
        self._save(thread)
        return thread

    # --- grouping -----------------------------------------------------------------------------------------

    def _place(self, request: Mapping[str, Any]) -> tuple[Thread, int]:
        """The thread a request belongs to and the turn position it asks for."""
        previous = request.get("previous_response_id")
        if isinstance(previous, str) and previous in self._responses:
            thread, turn = self._responses[previous]
            return self._continue(thread, turn + 1, request)
        conversation = conversation_id(request)
        if conversation is not None and conversation in self._conversations:
            thread = self._conversations[conversation]
            return thread, thread.next_position()
        items = input_items(request)
        produced = [item for item in items if is_model_output(item)]
        if produced:
            found = next((self._items[k] for k in item_keys(produced[-1]) if k in self._items), None)
            if found is not None:
                thread, turn = found
                return self._continue(thread, turn + 1, request)
        return self._start(request, position=replies_in(items))

    def _continue(self, thread: Thread, position: int, request: Mapping[str, Any]) -> tuple[Thread, int]:
        model = str(request.get("model", ""))
        if position < len(thread.turns) and thread.turns[position].answered:
            # A branch: the client went on from an earlier reply. The branch is its own scenario, starting
            # with the replies it shares, so its turns keep their indexes on replay.
            branch = self._new_thread(model, thread.first_message)
            branch.turns = [Turn(dict(t.spec), t.user_text, t.answered) for t in thread.turns[:position]]
            return branch, position
        if model != thread.model:
            thread.mixed_models = True
        return thread, min(position, len(thread.turns))

    def _start(self, request: Mapping[str, Any], *, position: int) -> tuple[Thread, int]:
        model = str(request.get("model", ""))
        texts = user_texts(input_items(request))
        first = texts[0] if texts else ""
        # The retry of a request whose only answer so far was an error is the same thread, not a new one.
        for thread in reversed(self.threads):
            if (
                thread.model == model
                and thread.first_message == first
                and not thread.recorded_something()
                and position < len(thread.turns)
                and not thread.turns[position].answered
            ):
                return thread, position
        thread = self._new_thread(model, first)
        thread.turns = [Turn(dict(UNRECORDED), None) for _ in range(position)]
        return thread, position

    def _new_thread(self, model: str, first_message: str) -> Thread:
        number = self._next_number
        self._next_number += 1
        name = f"rec-{number:03d}-{slug(self.redact.text(first_message))}"
        thread = Thread(number=number, name=name, model=model, first_message=first_message, started=self._clock())
        self.threads.append(thread)
        return thread

    def _turn_at(self, thread: Thread, position: int, request: Mapping[str, Any]) -> Turn:
        items = input_items(request)
        asked = last_user(items)
        if asked is None:  # only tool outputs: the user message that started this exchange still counts
            asked = next((t.user_text for t in reversed(thread.turns[:position]) if t.user_text is not None), "")
        if position == len(thread.turns):
            thread.turns.append(Turn({}, asked, answered=False))
        turn = thread.turns[position]
        turn.user_text = asked
        return turn

    # --- output -------------------------------------------------------------------------------------------

    def scenario(self, thread: Thread) -> JSONObject:
        """The thread as a scenario of ``scenarios/spec.py`` (plain data, in the order it reads best)."""
        asked = list(dict.fromkeys(self.redact.text(t.user_text) for t in thread.turns if t.user_text is not None))
        literals = [regex_literal(text) for text in asked]
        message = f"^{literals[0]}$" if len(literals) == 1 else f"^(?:{'|'.join(literals)})$"
        match: JSONObject = {}
        if not thread.mixed_models:  # one glob cannot name several models; the message still picks the thread
            match["model"] = glob_literal(thread.model)
        match["message"] = message
        turns = len(thread.turns)
        return {
            "name": thread.name,
            "description": f"Recorded from {self.upstream}: {turns} turn{'s' if turns != 1 else ''}.",
            "match": match,
            "turns": [turn.spec for turn in thread.turns],
            "after_last_turn": "error",
        }

    def _save(self, thread: Thread) -> None:
        thread.updated = self._clock()
        path = self.out_dir / f"{thread.name}.yaml"
        text = render(self.scenario(thread), upstream=self.upstream, started=thread.started, updated=thread.updated)
        try:
            load_text(text, source=str(path))  # what replay will do with it: never write a file it rejects
        except ScenarioLoadError as exc:
            logger.error("not writing %s, it would not load:\n%s", path, exc)
            return
        write_atomically(path, text)
        logger.info("recorded %s turn %d -> %s", thread.name, len(thread.turns), path)


def _same_error(held: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return all(held.get(k) == new.get(k) for k in ("status", "message", "type", "code", "param"))
