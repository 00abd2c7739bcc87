"""Slow SSE readers do not hold up other clients (a real server, real sockets with small receive buffers).

Some clients read their long streams a little at a time; others read the first events and then stop reading
altogether, so the server's sends to them block on full socket buffers. Meanwhile ordinary clients create
and retrieve responses: each of their requests is answered promptly (a generous bound, no timing precision),
the slow streams finish whole, and the stalled ones, once their clients hang up, end ``completed`` or
``cancelled``, never left ``in_progress``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.server.conftest import LiveServer, start_server, stop_server

KEY = "sk-slow-readers"
SLOW, STALLED, ORDINARY = 3, 3, 6
PROMPT_BOUND_SECONDS = 2.0  # generous: the point is "not held up for the slow streams' duration"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = start_server(tmp_path)
    yield live
    stop_server(live)


def open_stream(server: LiveServer, words: int) -> socket.socket:
    """A raw HTTP/1.1 streamed create on a socket whose receive buffer is tiny (set before connecting, so the
    TCP window stays small): once the client stops reading, the server's sends to it back up at once."""
    host, port = server.base_url.removeprefix("http://").split("/")[0].split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.settimeout(30)
    text = " ".join(f"w{n}" for n in range(words))
    body = json.dumps({"model": "gpt-4.1", "input": text, "stream": True}).encode()  # 1M-token context
    head = (
        f"POST /v1/responses HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body)
    return sock


def response_id(received: bytes) -> str:
    marker = b'"response":{"id":"'
    start = received.index(marker) + len(marker)
    return received[start : received.index(b'"', start)].decode()


def read_first_event(sock: socket.socket) -> bytes:
    received = b""
    while b"\n\n" not in received.partition(b"event: response.created")[2]:
        chunk = sock.recv(2048)
        assert chunk, received
        received += chunk
    return received


def read_slowly(sock: socket.socket, results: list[bytes]) -> None:
    received = b""
    with sock:
        while not received.endswith(b"\r\n0\r\n\r\n"):  # the chunked body's clean end
            chunk = sock.recv(1024)
            if not chunk:
                break
            received += chunk
            time.sleep(0.01)  # about 100 KB/s, a fraction of what the server would send
    results.append(received)


def ordinary(server: LiveServer, until: float, latencies: list[float], failures: list[str]) -> None:
    with httpx2.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
        turn = 0
        while time.monotonic() < until:
            turn += 1
            started = time.monotonic()
            created = http.post("/responses", json={"model": "gpt-4o", "input": f"ordinary {turn}"})
            latencies.append(time.monotonic() - started)
            if created.status_code != 200:
                failures.append(f"create: {created.status_code}")
                continue
            started = time.monotonic()
            retrieved = http.get(f"/responses/{created.json()['id']}")
            latencies.append(time.monotonic() - started)
            if retrieved.status_code != 200 or retrieved.json()["status"] != "completed":
                failures.append(f"retrieve: {retrieved.status_code}")


def test_slow_and_stalled_stream_readers_do_not_hold_up_other_clients(server: LiveServer) -> None:
    # Stalled: about 8 MB of events each, beyond what the socket buffers hold (the server's send buffer
    # autotunes up to 4 MB on loopback), and only the first event read.
    stalled = [open_stream(server, 30000) for _ in range(STALLED)]
    stalled_ids = [response_id(read_first_event(sock)) for sock in stalled]
    slow_results: list[bytes] = []
    slow = [threading.Thread(target=read_slowly, args=(open_stream(server, 1200), slow_results)) for _ in range(SLOW)]
    for thread in slow:
        thread.start()

    latencies: list[float] = []
    failures: list[str] = []
    until = time.monotonic() + 3
    workers = [threading.Thread(target=ordinary, args=(server, until, latencies, failures)) for _ in range(ORDINARY)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)

    with httpx2.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
        # The stalled streams really were held up by their readers, and nobody else was.
        held = [http.get(f"/responses/{rid}").json()["status"] for rid in stalled_ids]
        print(
            f"\n{len(latencies)} ordinary requests beside {SLOW} slow and {STALLED} stalled streams: "
            f"slowest {max(latencies):.3f}s; stalled streams {held}"
        )
        assert failures == [] and len(latencies) > 20
        assert max(latencies) < PROMPT_BOUND_SECONDS
        assert held == ["in_progress"] * STALLED

        for thread in slow:
            thread.join(timeout=20)
        assert len(slow_results) == SLOW
        for received in slow_results:
            assert b"event: response.completed" in received and received.endswith(b"\r\n0\r\n\r\n")
            assert http.get(f"/responses/{response_id(received)}").json()["status"] == "completed"

        for sock in stalled:
            sock.close()  # the reader hangs up: the server notices and ends the stream
        deadline = time.monotonic() + 10
        final = held
        while time.monotonic() < deadline:
            final = [http.get(f"/responses/{rid}").json()["status"] for rid in stalled_ids]
            if "in_progress" not in final:
                break
            time.sleep(0.1)
        assert set(final) <= {"completed", "cancelled"}, final
    assert "Traceback" not in server.log()
