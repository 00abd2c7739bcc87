"""SIGKILL in the middle of 200 concurrent creates, streams and background jobs; restart on the same database.

Checks: SQLite's ``PRAGMA integrity_check`` is ok; every response whose 200 (or ``response.completed``)
reached the client is retrievable and whole, with the output text the client got; once the background lease
has lapsed, nothing is left ``queued`` or ``in_progress``: background jobs are finished by the restarted
server (queued ones run, the ones the dead server held end ``failed``), and foreground streams cut by the
crash end ``failed`` too.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from tests.server.conftest import LiveServer, start_server, stop_server

OPERATIONS = 200
CLIENTS = 100
LEASE = 1.0
KEY = "sk-crash-safety"


@dataclass
class Outcome:
    acknowledged: dict[str, str] = field(default_factory=dict)  # response id -> output text the client got
    background: set[str] = field(default_factory=set)  # background ids whose 200 (queued) arrived
    seen: set[str] = field(default_factory=set)  # every response id a client learnt of
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def server_on(tmp: Path, db: Path) -> LiveServer:
    return start_server(
        tmp,
        "--database-url",
        f"sqlite:///{db}",
        "--tokens-per-second",
        "200",  # each reply takes a while: plenty are mid-flight at the kill
        env={
            "OPENAI_EMULATOR_BACKGROUND_LEASE_SECONDS": str(LEASE),
            "OPENAI_EMULATOR_BACKGROUND_HEARTBEAT_SECONDS": "0.2",
        },
    )


def operate(server: LiveServer, index: int, outcome: Outcome) -> None:
    words = " ".join(f"w{index}x{n}" for n in range(20 + index % 30))
    kind = index % 3
    try:
        with httpx2.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
            if kind == 0:
                response = http.post("/responses", json={"model": "gpt-4o", "input": words})
                if response.status_code == 200:
                    body = response.json()
                    text = body["output"][0]["content"][0]["text"]
                    with outcome.lock:
                        outcome.acknowledged[body["id"]] = text
                        outcome.seen.add(body["id"])
            elif kind == 1:
                text_parts: list[str] = []
                with http.stream("POST", "/responses", json={"model": "gpt-4o", "input": words, "stream": True}) as s:
                    for line in s.iter_lines():
                        if not line.startswith("data: "):
                            continue
                        event = json.loads(line[6:])
                        if event["type"] == "response.created":
                            with outcome.lock:
                                outcome.seen.add(event["response"]["id"])
                        elif event["type"] == "response.output_text.delta":
                            text_parts.append(event["delta"])
                        elif event["type"] == "response.completed":
                            with outcome.lock:
                                outcome.acknowledged[event["response"]["id"]] = "".join(text_parts)
            else:
                extra = {"x-emulator-background": f"in_progress_seconds={index % 4 * 0.3}"}
                response = http.post(
                    "/responses", json={"model": "gpt-4o", "input": words, "background": True}, headers=extra
                )
                if response.status_code == 200:
                    with outcome.lock:
                        outcome.background.add(response.json()["id"])
                        outcome.seen.add(response.json()["id"])
    except (httpx2.TransportError, json.JSONDecodeError):
        with outcome.lock:
            outcome.failures += 1  # the kill cut this one: nothing was promised


def check_acknowledged_whole(http: httpx2.Client, outcome: Outcome) -> None:
    """Every response whose 200 (or response.completed) reached its client is stored completed, whole."""
    for response_id, text in outcome.acknowledged.items():
        got = http.get(f"/responses/{response_id}")
        assert got.status_code == 200, (response_id, got.text)
        body = got.json()
        assert body["status"] == "completed"
        assert body["output"][0]["content"][0]["text"] == text
        items = http.get(f"/responses/{response_id}/input_items").json()["data"]
        assert items and items[0]["content"][0]["text"]


def statuses_once_settled(http: httpx2.Client, outcome: Outcome, deadline: float) -> dict[str, str]:
    """The status of every response a client learnt of, once none is queued or in progress (or at deadline)."""
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        statuses = {rid: http.get(f"/responses/{rid}").json().get("status", "gone") for rid in outcome.seen}
        if not {"queued", "in_progress"} & set(statuses.values()):
            break
        time.sleep(0.2)
    return statuses


def test_sigkill_mid_traffic_loses_nothing_acknowledged_and_leaves_nothing_stuck(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    server = server_on(tmp_path / "first", db)
    outcome = Outcome()
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(operate, server, i, outcome) for i in range(OPERATIONS)]
        while sum(f.done() for f in futures) < OPERATIONS // 2 and time.monotonic() - started < 20:
            time.sleep(0.01)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        killed_after = sum(f.done() for f in futures)
        for future in futures:
            future.result()
    print(
        f"\ncrash: killed after {killed_after}/{OPERATIONS} operations ({time.monotonic() - started:.2f}s); "
        f"{len(outcome.acknowledged)} acknowledged, {len(outcome.background)} background accepted, "
        f"{outcome.failures} cut by the kill"
    )
    assert outcome.failures > 0, "the kill came too late to cut anything: the test proves nothing"

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    restarted = server_on(tmp_path / "second", db)
    try:
        with httpx2.Client(base_url=restarted.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
            check_acknowledged_whole(http, outcome)

            deadline = time.monotonic() + LEASE * 8
            statuses = statuses_once_settled(http, outcome, deadline)
        counts = {status: list(statuses.values()).count(status) for status in set(statuses.values())}
        print(f"after restart: {len(outcome.acknowledged)} acknowledged responses whole; statuses {counts}")
        stuck = {rid: status for rid, status in statuses.items() if status in ("queued", "in_progress")}
        assert not stuck, stuck
        assert {statuses[rid] for rid in outcome.background} <= {"completed", "failed"}

        # Also what no client saw (a background create cut before its 200 but after its job was written):
        # the restarted server's worker runs or fails it, once the dead server's lease has lapsed.
        deadline = time.monotonic() + LEASE * 8
        with sqlite3.connect(db) as conn:
            while True:
                unfinished = conn.execute(
                    "SELECT r.id, r.status, r.background, j.state FROM responses r"
                    " LEFT JOIN background_jobs j ON j.response_id = r.id WHERE r.status IN ('queued', 'in_progress')"
                ).fetchall()
                if not unfinished or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert not unfinished, unfinished
    finally:
        stop_server(restarted)
    assert "database is locked" not in restarted.log()
