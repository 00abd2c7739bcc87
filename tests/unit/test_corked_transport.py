"""``CorkedTransport``: the writes of one event-loop turn reach the socket as one write, in order, and
nothing is held past that turn, a close, or the hold limit."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from server.http_protocol import CorkedTransport
from tests.server.conftest import start_server, stop_server


class RecordingTransport(asyncio.Transport):
    """Stands in for uvloop's socket transport: records each write as the socket would see it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0


async def _one_turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


@pytest.mark.anyio
async def test_writes_in_one_loop_turn_go_out_as_one_write() -> None:
    real = RecordingTransport()
    corked = CorkedTransport(real, asyncio.get_running_loop())
    corked.write(b"HTTP/1.1 200 OK\r\n\r\n")
    corked.write(b'{"id": "resp_1"}')
    assert real.writes == []
    assert corked.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\n\r\n") + len(b'{"id": "resp_1"}')
    await _one_turn()
    assert real.writes == [b'HTTP/1.1 200 OK\r\n\r\n{"id": "resp_1"}']
    assert corked.get_write_buffer_size() == 0


@pytest.mark.anyio
async def test_writes_separated_by_a_yield_go_out_separately_and_in_order() -> None:
    real = RecordingTransport()
    corked = CorkedTransport(real, asyncio.get_running_loop())
    corked.write(b"event: one\n\n")
    await _one_turn()
    corked.write(b"event: two\n\n")
    await _one_turn()
    assert real.writes == [b"event: one\n\n", b"event: two\n\n"]


@pytest.mark.anyio
async def test_close_sends_what_is_held_before_closing() -> None:
    real = RecordingTransport()
    corked = CorkedTransport(real, asyncio.get_running_loop())
    corked.write(b"last words")
    corked.close()
    assert real.writes == [b"last words"] and real.closed
    await _one_turn()  # the scheduled flush finds nothing left to send
    assert real.writes == [b"last words"]


@pytest.mark.anyio
async def test_abort_drops_what_is_held() -> None:
    real = RecordingTransport()
    corked = CorkedTransport(real, asyncio.get_running_loop())
    corked.write(b"never sent")
    corked.abort()
    await _one_turn()
    assert real.writes == [] and real.aborted


@pytest.mark.anyio
async def test_a_writer_that_never_yields_is_flushed_at_the_hold_limit() -> None:
    real = RecordingTransport()
    corked = CorkedTransport(real, asyncio.get_running_loop())
    chunk = b"x" * 16384
    for _ in range(5):
        corked.write(chunk)
    assert real.writes == [chunk * 4]  # 64 KiB reached: out at once, for the real transport's flow control
    await _one_turn()
    assert real.writes == [chunk * 4, chunk]


@pytest.mark.anyio
async def test_nothing_is_written_to_a_transport_already_closing() -> None:
    real = RecordingTransport()
    corked = CorkedTransport(real, asyncio.get_running_loop())
    corked.write(b"too late")
    real.closed = True  # the peer went away within the turn
    await _one_turn()
    assert real.writes == []


@pytest.mark.parametrize("keep_alive", [True, False])
def test_served_json_response_arrives_whole_over_a_real_socket(
    keep_alive: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``serve`` runs the corked protocol: a kept-alive connection, and one the client asks to close (uvicorn
    closes the transport right after the body: what is held must go out first)."""

    server = start_server(tmp_path_factory.mktemp("corked"))
    try:
        headers = {"Authorization": "Bearer sk-corked"}
        if not keep_alive:
            headers["Connection"] = "close"
        with httpx2.Client(base_url=server.base_url, headers=headers) as client:
            created = client.post("/responses", json={"model": "gpt-4o", "input": "one write"})
            again = client.get(f"/responses/{created.json()['id']}")
        assert created.status_code == 200 and created.json()["output"][0]["content"][0]["text"] == "one write"
        assert again.status_code == 200 and again.json() == created.json()
    finally:
        stop_server(server)
