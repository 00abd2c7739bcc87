"""A bounded soak: mixed traffic from many concurrent clients against a real server, then the books are checked.

Usage: python -m bench.soak [--clients 64] [--seconds 60] [--database-url URL]   (default: a fresh SQLite file)

Each client loops over: create, stream, retrieve, a previous_response_id chain, a conversation turn, and a
background create that is sometimes cancelled. Afterwards it checks: zero 5xx; no "database is locked" in any
answer; every conversation holds exactly the items its turns added (none lost, none duplicated); every chain
link is retrievable; nothing background is left queued or in progress; the server's resident memory. Prints
one line of figures and exits 1 if a check failed. ``tests/server/test_soak.py`` runs it small in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from bench.servers import Server, start


@dataclass
class Books:
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    conversations: dict[str, int] = field(default_factory=dict)  # id -> items expected
    chains: list[str] = field(default_factory=list)
    background: list[str] = field(default_factory=list)

    def note(self, kind: str, response: httpx2.Response) -> None:
        self.requests[kind] += 1
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.problems.append(f"{kind}: {response.status_code} {response.text[:200]}")
        if "database is locked" in response.text:
            self.problems.append(f"{kind}: 'database is locked' reached a client")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def client(http: httpx2.AsyncClient, index: int, until: float, books: Books) -> None:
    turn = 0
    conversation = (await http.post("/v1/conversations", json={})).json()["id"]
    books.conversations[conversation] = 0
    previous: str | None = None
    while time.monotonic() < until:
        turn += 1
        text = f"client {index} turn {turn}"
        created = await http.post("/v1/responses", json={"model": "gpt-4o", "input": text})
        books.note("create", created)
        if created.status_code == 200:
            books.note("retrieve", await http.get(f"/v1/responses/{created.json()['id']}"))

        events = 0
        async with http.stream("POST", "/v1/responses", json={"model": "gpt-4o", "input": text, "stream": True}) as s:
            async for line in s.aiter_lines():
                events += line.startswith("data: ")
        books.requests["stream"] += 1
        books.statuses[s.status_code] += 1
        if s.status_code != 200 or events < 3:
            books.problems.append(f"stream: {s.status_code}, {events} events")

        chained = await http.post(
            "/v1/responses", json={"model": "gpt-4o", "input": text, "previous_response_id": previous}
        )
        books.note("chain", chained)
        if chained.status_code == 200:
            previous = chained.json()["id"]
            books.chains.append(previous)

        turned = await http.post("/v1/responses", json={"model": "gpt-4o", "input": text, "conversation": conversation})
        books.note("conversation", turned)
        if turned.status_code == 200:
            books.conversations[conversation] += 1 + len(turned.json()["output"])

        background = await http.post(
            "/v1/responses",
            json={"model": "gpt-4o", "input": text, "background": True},
            headers={"x-emulator-background": "in_progress_seconds=0.2"} if turn % 2 else {},
        )
        books.note("background", background)
        if background.status_code == 200:
            books.background.append(background.json()["id"])
            if turn % 3 == 0:
                books.note("cancel", await http.post(f"/v1/responses/{background.json()['id']}/cancel"))


async def check(http: httpx2.AsyncClient, books: Books) -> int:
    checked = 0
    for conversation, expected in books.conversations.items():
        ids: list[str] = []
        after: str | None = None
        while True:
            params = {"limit": "100", "order": "asc", **({"after": after} if after else {})}
            page = (await http.get(f"/v1/conversations/{conversation}/items", params=params)).json()
            ids += [item["id"] for item in page["data"]]
            if not page["has_more"]:
                break
            after = page["last_id"]
        checked += len(ids)
        if len(ids) != expected or len(set(ids)) != len(ids):
            books.problems.append(f"{conversation}: {len(ids)} items ({len(set(ids))} distinct), expected {expected}")
    for response_id in books.chains:
        checked += 1
        if (await http.get(f"/v1/responses/{response_id}")).status_code != 200:
            books.problems.append(f"chain link {response_id} lost")
    deadline = time.monotonic() + 30
    pending = list(books.background)
    while pending and time.monotonic() < deadline:
        statuses = [(rid, (await http.get(f"/v1/responses/{rid}")).json()["status"]) for rid in pending]
        pending = [rid for rid, status in statuses if status in ("queued", "in_progress")]
        if pending:
            await asyncio.sleep(0.2)
    checked += len(books.background)
    if pending:
        books.problems.append(f"{len(pending)} background responses still unfinished")
    return checked


async def soak(base_url: str, clients: int, seconds: float) -> tuple[Books, int]:
    books = Books()
    until = time.monotonic() + seconds
    limits = httpx2.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    async with httpx2.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        http.headers["Authorization"] = "Bearer sk-soak"
        await asyncio.gather(*(client(http, i, until, books) for i in range(clients)))
        checked = await check(http, books)
    return books, checked


def run(clients: int, seconds: float, database_url: str | None) -> tuple[Books, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'soak.db'}"
        command = [sys.executable, "-m", "server.cli", "serve", "--port", "{port}", "--log-level", "warning"]
        server: Server = start([*command, "--database-url", url, "--data-dir", tmp], health="/health")
        try:
            rss_before = rss_kib(server.process.pid)
            started = time.monotonic()
            books, checked = asyncio.run(soak(server.url, clients, seconds))
            elapsed = time.monotonic() - started
            rss_after = rss_kib(server.process.pid)
        finally:
            server.stop()
    served = sum(books.requests.values())
    figures = {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": served,
        "per_second": round(served / elapsed, 1),
        "errors_5xx": sum(n for status, n in books.statuses.items() if status >= 500),
        "items_checked": checked,
        "rss_mib_before": round(rss_before / 1024, 1),
        "rss_mib_after": round(rss_after / 1024, 1),
        "problems": len(books.problems),
    }
    return books, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    books, figures = run(args.clients, args.seconds, args.database_url)
    print(json.dumps(figures))
    for problem in books.problems[:20]:
        print("PROBLEM", problem)
    sys.exit(1 if books.problems else 0)


if __name__ == "__main__":
    main()
