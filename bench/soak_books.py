"""The soak's books: what every client sent and was answered, and the check that the server kept all of it.

Everything is checked against what the clients themselves recorded, never against the server's own idea of
it: the echo model answers each input with its own text, so a turn's output names the turn it belongs to.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx2

JSONObject = dict[str, Any]
UNFINISHED = ("queued", "in_progress")


def output_text(response: JSONObject) -> str:
    return "".join(
        part.get("text", "")
        for item in response.get("output") or []
        if item.get("type") == "message"
        for part in item.get("content") or []
        if part.get("type") == "output_text"
    )


def input_text(item: JSONObject) -> str | None:
    """The text of a user message item, or None for anything else."""
    if item.get("type") != "message" or item.get("role") != "user":
        return None
    content = item.get("content")
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content or [] if part.get("type") == "input_text")


@dataclass
class Turn:
    """One conversation turn as its client saw it: the text it sent and the ids of the output it got."""

    text: str
    output_ids: list[str]


@dataclass
class Background:
    response_id: str
    text: str
    cancel_answer: str | None = None  # the status the cancel call answered, if it was cancelled


@dataclass
class Books:
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)  # kind -> count
    examples: list[str] = field(default_factory=list)  # the first few problems, in words
    in_flight: int = 0
    peak_in_flight: int = 0
    created: list[tuple[str, str]] = field(default_factory=list)  # (response id, text): creates and streams
    chains: list[list[tuple[str, str]]] = field(default_factory=list)  # per client, in order
    conversations: dict[str, list[Turn]] = field(default_factory=dict)
    background: list[Background] = field(default_factory=list)
    items_checked: int = 0
    final_background: Counter[str] = field(default_factory=Counter)

    def problem(self, kind: str, message: str) -> None:
        self.problems[kind] += 1
        if len(self.examples) < 50:
            self.examples.append(f"{kind}: {message}")

    def note(self, kind: str, response: httpx2.Response, text: str | None = None) -> None:
        self.requests[kind] += 1
        self.statuses[response.status_code] += 1
        body = response.text if text is None else text
        if response.status_code >= 500:
            self.problem("5xx", f"{kind}: {response.status_code} {body[:200]}")
        elif response.status_code != 200:
            self.problem("unexpected_status", f"{kind}: {response.status_code} {body[:200]}")
        if "database is locked" in body:
            self.problem("database_locked", f"{kind}: 'database is locked' reached a client")

    async def call(self, kind: str, request: Awaitable[httpx2.Response]) -> httpx2.Response | None:
        """Await one request, counting it in flight; a transport error is a problem, not the end of the client."""
        self.enter()
        try:
            response = await request
        except httpx2.HTTPError as exc:
            self.requests[kind] += 1
            self.problem("transport", f"{kind}: {exc!r}")
            return None
        finally:
            self.leave()
        self.note(kind, response)
        return response if response.status_code == 200 else None

    def enter(self) -> None:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def leave(self) -> None:
        self.in_flight -= 1


async def _get(http: httpx2.AsyncClient, books: Books, url: str, **params: str) -> JSONObject | None:
    try:
        answer = await http.get(url, params=params)
    except httpx2.HTTPError as exc:
        books.problem("transport", f"check GET {url}: {exc!r}")
        return None
    if answer.status_code != 200:
        books.problem("lost_or_duplicated", f"GET {url}: {answer.status_code} {answer.text[:200]}")
        return None
    body: JSONObject = answer.json()
    return body


async def _list_all(http: httpx2.AsyncClient, books: Books, url: str) -> list[JSONObject] | None:
    items: list[JSONObject] = []
    after: str | None = None
    while True:
        page = await _get(http, books, url, limit="100", order="asc", **({"after": after} if after else {}))
        if page is None:
            return None
        items += page["data"]
        if not page["has_more"]:
            return items
        after = page["last_id"]


async def _check_created(http: httpx2.AsyncClient, books: Books, response_id: str, text: str) -> None:
    """Stored completed with the text the client got, and exactly its one input item."""
    stored = await _get(http, books, f"/v1/responses/{response_id}")
    if stored is not None and (stored["status"] != "completed" or output_text(stored) != text):
        books.problem("mismatch", f"{response_id}: stored {stored['status']} {output_text(stored)!r}, sent {text!r}")
    items = await _list_all(http, books, f"/v1/responses/{response_id}/input_items")
    books.items_checked += 1
    if items is not None and [input_text(item) for item in items] != [text]:
        books.problem("lost_or_duplicated", f"{response_id}: input items {items!r:.200}, sent {text!r}")


async def _check_chain(http: httpx2.AsyncClient, books: Books, chain: list[tuple[str, str]]) -> None:
    previous: str | None = None
    for response_id, text in chain:
        link = await _get(http, books, f"/v1/responses/{response_id}")
        books.items_checked += 1
        if link is None:
            return
        if link.get("previous_response_id") != previous or output_text(link) != text:
            books.problem("chain", f"{response_id}: previous {link.get('previous_response_id')}, expected {previous}")
        previous = response_id


async def _check_conversation(http: httpx2.AsyncClient, books: Books, conversation: str, turns: list[Turn]) -> None:
    """Exactly the items the turns added, in the order they were added: none lost, none duplicated."""
    items = await _list_all(http, books, f"/v1/conversations/{conversation}/items")
    if items is None:
        return
    books.items_checked += len(items)
    expected: list[str] = []
    for turn in turns:
        expected += [f"user:{turn.text}", *turn.output_ids]
    got = [f"user:{text}" if (text := input_text(item)) is not None else str(item.get("id")) for item in items]
    if got != expected:
        books.problem(
            "lost_or_duplicated",
            f"{conversation}: {len(got)} items ({len(set(got))} distinct), expected {len(expected)}",
        )


async def _check_background(http: httpx2.AsyncClient, books: Books, job: Background, deadline: float) -> None:
    """Ends completed with its text, or cancelled; a cancel's answer is the final status once it is final."""
    # Read at least once whatever the time: the deadline only bounds the wait for a job still running (a
    # check that started after it used to skip the job, and its count stayed out of the books).
    while True:
        final = await _get(http, books, f"/v1/responses/{job.response_id}")
        if final is None or final["status"] not in UNFINISHED or time.monotonic() >= deadline:
            break
        await asyncio.sleep(0.25)
    if final is None:
        return
    status = final["status"]
    books.items_checked += 1
    books.final_background[status] += 1
    if status in UNFINISHED:
        books.problem("background", f"{job.response_id}: still {status}")
    elif job.cancel_answer is None and (status != "completed" or output_text(final) != job.text):
        books.problem("background", f"{job.response_id}: {status}, never cancelled")
    elif job.cancel_answer is not None and status not in ("cancelled", "completed"):
        books.problem("background", f"{job.response_id}: {status} after a cancel")
    elif job.cancel_answer not in (None, *UNFINISHED) and job.cancel_answer != status:
        books.problem("background", f"{job.response_id}: cancel answered {job.cancel_answer}, now {status}")


async def check(http: httpx2.AsyncClient, books: Books, *, parallel: int = 32) -> None:
    """Check everything the books hold, ``parallel`` requests at a time."""
    gate = asyncio.Semaphore(parallel)
    deadline = time.monotonic() + 60

    async def gated(work: Awaitable[None]) -> None:
        async with gate:
            await work

    checks: Iterable[Awaitable[None]] = [
        *(_check_created(http, books, rid, text) for rid, text in books.created),
        *(_check_chain(http, books, chain) for chain in books.chains),
        *(_check_conversation(http, books, cid, turns) for cid, turns in books.conversations.items()),
        *(_check_background(http, books, job, deadline) for job in books.background),
    ]
    await asyncio.gather(*(gated(work) for work in checks))
