"""Start and stop server processes for benchmarks."""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass

import httpx2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(command: list[str], *, health: str | None) -> Server:
    """Run ``command`` (``{port}`` is replaced by a free port) and wait until it answers."""
    port = free_port()
    process = subprocess.Popen([part.replace("{port}", str(port)) for part in command])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if health is None:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return Server(url, process)
            elif httpx2.get(url + health, timeout=0.5).status_code == 200:
                return Server(url, process)
        except OSError:
            pass
        except httpx2.TransportError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{command} did not start")
