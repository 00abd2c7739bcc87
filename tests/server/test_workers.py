"""``serve --workers 2`` on one SQLite file, as real processes.

* Under 16 concurrent clients doing creates (streamed, not, and background) and retrieves of each other's
  responses, the two workers share the load (and so the reads cross workers), every answer is a 200 (never
  "database is locked"), every response is stored whole, and the file passes ``PRAGMA integrity_check``.
* A second server on the same port is refused (each worker has a socket of its own, with SO_REUSEPORT).
* SIGTERM to the parent stops the workers, and the parent exits promptly with 0 (which it does only when
  every worker stopped cleanly), its workers gone.
* A worker killed with SIGKILL is replaced and serving goes on; the replacement does not end its sibling's
  live stream (the start-up sweep of orphans runs once, in the parent, before the first fork).
* ``--seed`` and an in-memory database are refused with several workers, in one line, exit 2.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.server.conftest import LiveServer, start_server, stop_server

AUTH = {"Authorization": "Bearer sk-workers"}
THREADS = 16
ROUNDS = 12  # per thread: a create, a streamed create and two retrieves each (and one background create)


def children(pid: int) -> list[int]:
    return sorted(int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def wait_for(condition: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def started() -> Iterator[list[LiveServer]]:
    """The servers a test started: stopped at the end even when the test failed half-way."""
    servers: list[LiveServer] = []
    yield servers
    for server in servers:
        if server.process.poll() is None:
            stop_server(server)


def start_workers(started: list[LiveServer], tmp_path: Path, *args: str) -> tuple[LiveServer, list[int]]:
    """``serve --workers 2``, once both workers have started (/health answers as soon as one has)."""
    # Log level info: the log tells when each worker has started (its lifespan, where the sweep once ran).
    server = start_server(tmp_path, "--workers", "2", "--log-level", "info", *args)
    started.append(server)
    wait_for(lambda: server.log().count("Application startup complete") == 2)
    pids: list[int] = wait_for(lambda: len(found := children(server.process.pid)) == 2 and found)
    return server, pids


def stop_and_check(server: LiveServer, workers: list[int]) -> None:
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=10) == 0, server.log()
    assert time.monotonic() - started < 5
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists()  # reaped by the parent before it exited


def terminal(answer: httpx2.Response) -> dict[str, Any] | None:
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return None if body["status"] in ("queued", "in_progress") else body


def stream_create(client: httpx2.Client, body: dict[str, Any]) -> dict[str, Any]:
    """A streamed create read to the end: the completed response (the stream must be whole)."""
    with client.stream("POST", "/responses", json={**body, "stream": True}) as answer:
        assert answer.status_code == 200, answer.read()
        events = [json.loads(line[6:]) for line in answer.iter_lines() if line.startswith("data: ")]
    assert [event["sequence_number"] for event in events] == list(range(len(events)))
    assert events[-1]["type"] == "response.completed", events[-1]
    response: dict[str, Any] = events[-1]["response"]
    return response


def test_two_workers_share_one_sqlite_file_under_concurrent_writers(started: list[LiveServer], tmp_path: Path) -> None:
    server, workers = start_workers(started, tmp_path)
    cpu_before = {pid: cpu_seconds(pid) for pid in workers}
    created: dict[str, dict[str, Any]] = {}  # id -> the response as its creator got it
    problems: list[str] = []
    lock = threading.Lock()

    def client_thread(number: int) -> None:
        picker = random.Random(number)
        # A new connection per request ("Connection: close"), so that requests are spread over both workers.
        with httpx2.Client(base_url=server.base_url, headers={**AUTH, "Connection": "close"}, timeout=30) as client:
            try:
                for n in range(ROUNDS):
                    body = {"model": "gpt-4o", "input": f"thread {number} round {n}"}
                    answer = client.post("/responses", json=body)
                    assert answer.status_code == 200, answer.text
                    streamed = stream_create(client, body)
                    with lock:
                        created[answer.json()["id"]] = answer.json()
                        created[streamed["id"]] = streamed
                        others = picker.sample(sorted(created), min(2, len(created)))
                    for response_id in others:
                        got = client.get(f"/responses/{response_id}")
                        assert got.status_code == 200, got.text
                        assert got.json()["output"] == created[response_id]["output"]
                background = client.post("/responses", json={"model": "gpt-4o", "input": "later", "background": True})
                assert background.status_code == 200, background.text
                polled = wait_for(lambda: terminal(client.get(f"/responses/{background.json()['id']}")))
                assert polled["status"] == "completed", polled
                with lock:
                    created[polled["id"]] = polled
            except Exception as exc:  # noqa: BLE001 - reported by the test
                problems.append(f"thread {number}: {exc!r}")

    threads = [threading.Thread(target=client_thread, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not problems, problems[:3]
    assert len(created) == THREADS * (ROUNDS * 2 + 1)

    # Both workers did a real share of the work (so retrieves crossed workers).
    used = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in workers}
    assert min(used.values()) > 0.15 * sum(used.values()), used

    # Every response is retrievable and whole, on whichever worker answers.
    with httpx2.Client(base_url=server.base_url, headers=AUTH, timeout=30) as client:
        for response_id, response in created.items():
            got = client.get(f"/responses/{response_id}").json()
            assert got["status"] == "completed" and got["output"] == response["output"], response_id

    # Each worker listens on a socket of its own (SO_REUSEPORT): a second server still finds the port taken.
    port = server.base_url.split(":")[2].split("/")[0]
    second = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--workers", "2", "--port", port, "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1 and "address already in use" in second.stderr, second.stderr

    stop_and_check(server, workers)
    log = server.log()
    assert "database is locked" not in log, log[-2000:]
    assert "Traceback" not in log and "ERROR" not in log, log[-2000:]
    with sqlite3.connect(tmp_path / "data" / "emulator.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT count(*) FROM responses").fetchone() == (len(created),)


def serving_worker(workers: list[int], server_port: int, client_port: int) -> int:
    """The worker holding the server side of the client's connection (by its socket inode in /proc/net/tcp)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
        if (local, remote) == (server_port, client_port):
            inodes.add(f"socket:[{fields[9]}]")
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) in inodes:
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds the connection")


def test_a_killed_worker_is_replaced_without_ending_its_siblings_stream(
    started: list[LiveServer], tmp_path: Path
) -> None:
    server, workers = start_workers(started, tmp_path, "--tokens-per-second", "25")
    port = int(server.base_url.split(":")[2].split("/")[0])

    # A paced stream (about 6 s), stored in_progress while it runs, on one of the workers.
    stream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    text = " ".join(f"word{n}" for n in range(150))
    body = json.dumps({"model": "gpt-4o", "input": text, "stream": True})
    stream.request("POST", "/v1/responses", body=body, headers={**AUTH, "Content-Type": "application/json"})
    answer = stream.getresponse()
    assert answer.status == 200
    first = json.loads(next(line for line in answer if line.startswith(b"data: "))[6:])
    response_id = first["response"]["id"]
    streaming = serving_worker(workers, port, stream.sock.getsockname()[1])
    (other,) = set(workers) - {streaming}

    # The other worker dies; its replacement starts (and would once have swept the live stream as an orphan).
    os.kill(other, signal.SIGKILL)
    replaced = wait_for(lambda: len(found := children(server.process.pid)) == 2 and other not in found and found)
    (replacement,) = set(replaced) - {streaming}
    wait_for(lambda: server.log().count("Application startup complete") == 3)
    with httpx2.Client(base_url=server.base_url, headers={**AUTH, "Connection": "close"}, timeout=30) as client:
        for _ in range(6):  # serving goes on
            assert client.post("/responses", json={"model": "gpt-4o", "input": "still here"}).status_code == 200
        assert client.get(f"/responses/{response_id}").json()["status"] == "in_progress"

    # The stream was not disturbed: it ends completed, and so is the stored response.
    events = [json.loads(line[6:]) for line in answer if line.startswith(b"data: ")]
    assert events[-1]["type"] == "response.completed", events[-1]
    stream.close()
    with httpx2.Client(base_url=server.base_url, headers=AUTH, timeout=30) as client:
        assert client.get(f"/responses/{response_id}").json()["status"] == "completed"
    assert f"worker 2 (pid {other})" in server.log() or f"worker 1 (pid {other})" in server.log()
    assert "killed by SIGKILL" in server.log()

    stop_and_check(server, [streaming, replacement])


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--seed", "7"], "--seed cannot be used with --workers above 1"),
        (["--database-url", "sqlite://"], "in-memory SQLite database would be private to each worker"),
    ],
)
def test_settings_that_cannot_work_with_several_workers_are_refused(args: list[str], fragment: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_EMULATOR_")}
    command = [sys.executable, "-m", "server.cli", "serve", "--workers", "2", "--port", "0", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and fragment in result.stderr, result.stderr


def test_a_worker_that_cannot_start_stops_the_server_instead_of_restarting_forever() -> None:
    # uvicorn exits 3 when the app's start-up fails: a replacement would fail alike.
    script = (
        "import logging, sys; logging.basicConfig();"
        "from server.commands.workers import Supervisor;"
        "sys.exit(Supervisor(2, lambda number: sys.exit(3)).run())"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1, result.stderr
    assert "could not start; stopping the other workers" in result.stderr
    assert "starting another" not in result.stderr
