"""A bounded soak: mixed traffic from many concurrent clients against a real server, then the books are checked.

Usage: python -m bench.soak [--clients 64] [--seconds 60] [--database-url URL] [--background-every N]
(default: a fresh SQLite file; a background create every turn)

Each client loops over: create (then retrieve it), stream, a ``previous_response_id`` chain link, a
conversation turn, and a background create (every ``--background-every`` turns) of which every third is
cancelled. All clients run at once, so ``--clients`` requests are in flight (``peak_in_flight`` shows it).
Checks (``bench/soak_books.py``): zero 5xx; no "database is locked" in any answer or stream; every stream
well formed (``response.created`` to ``response.completed``, sequence numbers 0..n) with the text sent;
every response stored ``completed`` with its text and exactly its input item; every chain link there, naming
its predecessor; every conversation holding exactly the items its turns added, in order (none lost, none
duplicated); every background response ended ``completed`` with its text, or ``cancelled`` after a cancel,
as the cancel answered; the server's resident memory grew at most ``--max-growth-mib`` after warm-up (a
quarter of the run, at most 15 s). Also reported: the RSS and the background queue's depth (``/metrics``) at
each quarter of the run. Prints one line of JSON figures, then any problems, and exits 1 if there were any.
``tests/server/test_soak.py`` runs it small in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

import httpx2

from bench.servers import Server, start
from bench.soak_books import Background, Books, Turn, check, output_text

MODEL = "gpt-4o"  # the echo model: each answer is the text it was sent
_JOBS = re.compile(r'^openai_emulator_background_jobs\{state="(queued|done)"\} (\S+)$', re.MULTILINE)
_CHAIN_ITEMS = re.compile(r"^openai_emulator_chain_cache_items (\S+)$", re.MULTILINE)


class Sample(NamedTuple):
    """One look at the server: seconds since the start, its RSS, its background jobs queued and done, and the
    items its chain-context cache holds (bounded by the setting ``chain_cache_items``)."""

    at: float
    rss_kib: int
    queued: int
    done: int
    chain_items: int = 0


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def stream_once(http: httpx2.AsyncClient, books: Books, text: str) -> None:
    """One streamed create, checked as it arrives; recorded for the stored-state check."""
    events: list[dict[str, Any]] = []
    kept: list[str] = []  # the lines that matter to `note`: an error body, or a lock message
    books.enter()
    try:
        async with http.stream("POST", "/v1/responses", json={"model": MODEL, "input": text, "stream": True}) as s:
            async for line in s.aiter_lines():
                if s.status_code != 200 or "database is locked" in line:
                    kept.append(line)
                elif line.startswith("data: "):
                    try:
                        events.append(json.loads(line[6:]))
                    except ValueError:
                        books.problem("stream", f"garbage in a stream: {line[:200]!r}")
        books.note("stream", s, text="\n".join(kept))
    except httpx2.HTTPError as exc:
        books.requests["stream"] += 1
        books.problem("transport", f"stream: {exc!r} after {len(events)} events")
        return
    finally:
        books.leave()
    if s.status_code != 200:
        return
    kinds = [event.get("type") for event in events]
    last = events[-1].get("response", {}) if events else {}
    deltas = "".join(e.get("delta", "") for e in events if e.get("type") == "response.output_text.delta")
    if (
        kinds[:1] != ["response.created"]
        or kinds[-1:] != ["response.completed"]
        or [e.get("sequence_number") for e in events] != list(range(len(events)))
        or output_text(last) != text
        or deltas != text
    ):
        books.problem("stream", f"malformed stream for {text!r}: {len(events)} events, last {kinds[-1:]}")
        return
    books.created.append((last["id"], text))


async def new_conversation(http: httpx2.AsyncClient, books: Books) -> str | None:
    conversation = await books.call("conversation_create", http.post("/v1/conversations", json={}))
    conversation_id: str | None = conversation.json()["id"] if conversation is not None else None
    if conversation_id is not None:
        books.conversations[conversation_id] = []
    return conversation_id


def new_chain(books: Books) -> list[tuple[str, str]]:
    chain: list[tuple[str, str]] = []
    books.chains.append(chain)
    return chain


async def client(
    http: httpx2.AsyncClient,
    index: int,
    until: float,
    books: Books,
    *,
    background_every: int = 1,
    restart_every: int = 0,
) -> None:
    """One soak client's turns until ``until``. Its chain and conversation grow by one response a turn, and
    start over every ``restart_every`` turns (0: never), which keeps the load the same from minute to minute
    (a context that only grows makes every later request bigger)."""
    conversation_id = await new_conversation(http, books)
    chain = new_chain(books)
    turn = submitted = 0
    while time.monotonic() < until:
        turn += 1
        if restart_every and turn % restart_every == 0:
            conversation_id = await new_conversation(http, books)
            chain = new_chain(books)
        text = f"client {index} turn {turn}"
        created = await books.call("create", http.post("/v1/responses", json={"model": MODEL, "input": text}))
        if created is not None:
            response_id = created.json()["id"]
            books.created.append((response_id, text))
            retrieved = await books.call("retrieve", http.get(f"/v1/responses/{response_id}"))
            if retrieved is not None and output_text(retrieved.json()) != text:
                books.problem("mismatch", f"retrieve {response_id}: {output_text(retrieved.json())!r} != {text!r}")

        await stream_once(http, books, text)

        previous = chain[-1][0] if chain else None
        link = {"model": MODEL, "input": text, "previous_response_id": previous}
        chained = await books.call("chain", http.post("/v1/responses", json=link))
        if chained is not None:
            chain.append((chained.json()["id"], text))

        if conversation_id is not None:
            body = {"model": MODEL, "input": text, "conversation": conversation_id}
            turned = await books.call("conversation_turn", http.post("/v1/responses", json=body))
            if turned is not None:
                output_ids = [item["id"] for item in turned.json()["output"]]
                books.conversations[conversation_id].append(Turn(text, output_ids))

        if turn % background_every == 0:
            submitted += 1
            await background_once(http, books, text, hold=submitted % 2 == 1, cancel=submitted % 3 == 0)


async def background_once(http: httpx2.AsyncClient, books: Books, text: str, *, hold: bool, cancel: bool) -> None:
    headers = {"x-emulator-background": "in_progress_seconds=0.2"} if hold else {}
    body = {"model": MODEL, "input": text, "background": True}
    background = await books.call("background", http.post("/v1/responses", json=body, headers=headers))
    if background is None:
        return
    job = Background(background.json()["id"], text)
    books.background.append(job)
    if cancel:
        cancelled = await books.call("cancel", http.post(f"/v1/responses/{job.response_id}/cancel"))
        job.cancel_answer = cancelled.json()["status"] if cancelled is not None else "error"


async def sample(http: httpx2.AsyncClient, pid: int, samples: list[Sample], started: float) -> None:
    """Every half second: the server's RSS, and its background queue's depth and finished jobs (``/metrics``;
    the server recounts them about once a second)."""
    jobs = {"queued": 0, "done": 0}
    while True:
        try:
            text = (await http.get("/metrics")).text
        except httpx2.HTTPError:
            text = ""
        jobs |= {state: int(float(value)) for state, value in _JOBS.findall(text)}
        found = _CHAIN_ITEMS.search(text)
        chain_items = int(float(found.group(1))) if found else (samples[-1].chain_items if samples else 0)
        samples.append(Sample(time.monotonic() - started, rss_kib(pid), jobs["queued"], jobs["done"], chain_items))
        await asyncio.sleep(0.5)


def _at(samples: list[Sample], at: float) -> Sample | None:
    """The first sample taken at or after ``at`` seconds, or None."""
    return next((sample for sample in samples if sample.at >= at), None)


async def soak(
    base_url: str,
    pid: int,
    clients: int,
    seconds: float,
    *,
    background_every: int = 1,
    points: int = 4,
    restart_every: int = 0,
) -> tuple[Books, dict[str, Any]]:
    books = Books()
    samples: list[Sample] = []
    started = time.monotonic()
    until = started + seconds
    limits = httpx2.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    async with httpx2.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        http.headers["Authorization"] = "Bearer sk-soak"
        sampler = asyncio.get_running_loop().create_task(sample(http, pid, samples, started))
        await asyncio.gather(
            *(
                client(http, i, until, books, background_every=background_every, restart_every=restart_every)
                for i in range(clients)
            )
        )
        traffic_seconds = time.monotonic() - started
        rss_end = rss_kib(pid)
        sampler.cancel()
        await check(http, books)
    last = samples[-1] if samples else Sample(traffic_seconds, rss_end, 0, 0)
    warmup = min(seconds / 4, 15.0)
    warm = _at(samples, warmup) or last
    served = sum(books.requests.values())

    def at_fractions(n: int) -> list[Sample]:
        return [_at(samples, seconds * k / n) or last for k in range(1, n + 1)]

    figures: dict[str, Any] = {
        "clients": clients,
        "seconds": round(traffic_seconds, 1),
        "requests": served,
        "per_second": round(served / traffic_seconds, 1),
        "by_kind": dict(sorted(books.requests.items())),
        "peak_in_flight": books.peak_in_flight,
        "errors_5xx": sum(n for status, n in books.statuses.items() if status >= 500),
        "lost_or_duplicated": books.problems["lost_or_duplicated"],
        "items_checked": books.items_checked,
        "background_final": dict(sorted(books.final_background.items())),
        "rss_mib_start": round(samples[0].rss_kib / 1024, 1) if samples else 0.0,
        "rss_mib_warm": round(warm.rss_kib / 1024, 1),
        "rss_mib_end": round(rss_end / 1024, 1),
        "rss_mib_peak": round(max((s.rss_kib for s in samples), default=rss_end) / 1024, 1),
        "rss_mib_by_quarter": [round(s.rss_kib / 1024, 1) for s in at_fractions(4)],
        "background_queued_by_quarter": [s.queued for s in at_fractions(4)],
        # Finished background jobs (run, or cancelled while queued) per second of traffic after warm-up, and
        # submitted ones over the whole run: the worker keeps up when the first is not below the second.
        "background_done_per_second": round((last.done - warm.done) / max(last.at - warm.at, 1e-9), 1),
        "background_submitted_per_second": round(books.requests["background"] / traffic_seconds, 1),
        "background_queued_end": last.queued,
    }
    if points != 4:
        figures["sample_at_seconds"] = [round(s.at) for s in at_fractions(points)]
        figures["rss_mib_by_point"] = [round(s.rss_kib / 1024, 1) for s in at_fractions(points)]
        figures["background_queued_by_point"] = [s.queued for s in at_fractions(points)]
        figures["chain_cache_items_by_point"] = [s.chain_items for s in at_fractions(points)]
    return books, figures


def run(
    clients: int,
    seconds: float,
    database_url: str | None,
    *,
    max_growth_mib: float | None = None,
    background_every: int = 1,
    points: int = 4,
    restart_every: int = 0,
) -> tuple[Books, dict[str, Any]]:
    """Start a server, soak it, check the books; ``max_growth_mib`` bounds the RSS growth after warm-up;
    ``points``: how many evenly spaced samples of RSS and queue depth to report besides the quarters."""
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'soak.db'}"
        command = [sys.executable, "-m", "server.cli", "serve", "--port", "{port}", "--log-level", "warning"]
        server: Server = start([*command, "--database-url", url, "--data-dir", tmp], health="/health")
        try:
            books, figures = asyncio.run(
                soak(
                    server.url,
                    server.process.pid,
                    clients,
                    seconds,
                    background_every=background_every,
                    points=points,
                    restart_every=restart_every,
                )
            )
        finally:
            server.stop()
    growth = figures["rss_mib_end"] - figures["rss_mib_warm"]
    if max_growth_mib is not None and growth > max_growth_mib:
        books.problem("memory", f"RSS grew {growth:.1f} MiB after warm-up (limit {max_growth_mib} MiB)")
    figures["problems"] = dict(books.problems)
    return books, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--max-growth-mib", type=float, default=64, help="RSS growth allowed after warm-up")
    parser.add_argument("--background-every", type=int, default=1, help="a background create every N turns")
    parser.add_argument("--points", type=int, default=4, help="evenly spaced RSS and queue samples to report")
    parser.add_argument(
        "--restart-every", type=int, default=0, help="each client starts a new chain and conversation every N turns"
    )
    args = parser.parse_args()
    books, figures = run(
        args.clients,
        args.seconds,
        args.database_url,
        max_growth_mib=args.max_growth_mib,
        background_every=args.background_every,
        points=args.points,
        restart_every=args.restart_every,
    )
    print(json.dumps(figures))
    for problem in books.examples[:20]:
        print("PROBLEM", problem)
    sys.exit(1 if books.problems else 0)


if __name__ == "__main__":
    main()
