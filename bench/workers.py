"""The workers case: ``serve --workers 1`` against ``--workers 2`` on one SQLite file, at 16 connections.

Create with ``store: true`` (every request writes, so the workers contend for SQLite's single write lock) and
retrieve (reads only: WAL readers never wait), each on a fresh database file. wrk runs on the same machine,
so on a small one it takes a share of the cores the second worker would use: the scaling printed is what
this machine gives, not a property of the emulator alone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2

from bench.servers import start

Wrk = Callable[[str, Path, int, float], dict[str, float]]
CONNECTIONS = 16
OPERATIONS = ("create", "retrieve")


def compare_workers(
    tmp: Path, duration: float, *, wrk: Wrk, create_script: Path, get_script: Path, create_body: dict[str, Any]
) -> dict[str, Any]:
    """Figures for 1 and 2 workers, and the scaling ratio (2 workers / 1) of each operation's req/s."""
    headers = {"Authorization": "Bearer sk-bench"}
    entry: dict[str, Any] = {}
    for count in (1, 2):
        database = f"sqlite:///{tmp / f'workers{count}.db'}"
        emu = start(
            [sys.executable, "-m", "server.cli", "serve", "--port", "{port}", "--log-level", "warning"]
            + ["--database-url", database, "--workers", str(count)],
            health="/health",
        )
        try:
            created = httpx2.post(f"{emu.url}/v1/responses", json=create_body, headers=headers, timeout=30)
            created.raise_for_status()
            # /health answers once one worker is up: a warm-up run lets every worker start and warm up.
            wrk(f"{emu.url}/v1/responses", create_script, CONNECTIONS, 1)
            entry[f"workers {count}"] = {
                "create": wrk(f"{emu.url}/v1/responses", create_script, CONNECTIONS, duration),
                "retrieve": wrk(f"{emu.url}/v1/responses/{created.json()['id']}", get_script, CONNECTIONS, duration),
            }
        finally:
            emu.stop()
    entry["scaling"] = {op: entry["workers 2"][op]["rps"] / entry["workers 1"][op]["rps"] for op in OPERATIONS}
    print_workers(entry)
    return entry


def print_workers(entry: dict[str, Any]) -> None:
    print(f"\ncreate store=true sqlite and retrieve, workers 1 vs 2 (c{CONNECTIONS})")
    for op in OPERATIONS:
        cells = []
        for count in (1, 2):
            row = entry[f"workers {count}"][op]
            errors = f" ({row['non_2xx']:.0f} non-2xx)" if row["non_2xx"] else ""
            label = f"{count} worker{'s' if count > 1 else ' '}"
            cells.append(f"{label} {row['rps']:>7.0f} req/s p99 {row['p99_ms']:>6.2f} ms{errors}")
        print(f"  {op:8}: " + " | ".join(cells) + f" | scaling {entry['scaling'][op]:.2f}x", flush=True)
