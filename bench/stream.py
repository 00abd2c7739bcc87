"""Streaming benchmark: events/second and time to first byte of a long streamed reply, emulator vs ceiling.

The ceiling is a bare sse-starlette endpoint (bench/bare_sse.py) that sends the very frames the emulator sent,
so both move the same bytes; the ratio is what the emulator's pipeline (validation, emitter, fold, storage
of progress snapshots) costs on top of the SSE transport.

Usage: python -m bench.stream [--deltas 1000] [--runs 20] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2

from bench.servers import start


def measure(url: str, body: dict[str, Any], runs: int) -> dict[str, float]:
    ttfb: list[float] = []
    rates: list[float] = []
    with httpx2.Client(timeout=60, headers={"Authorization": "Bearer sk-bench"}) as client:
        for _ in range(runs):
            started = time.perf_counter()
            first = None
            events = 0
            with client.stream("POST", url, json=body) as response:
                for chunk in response.iter_raw():
                    if first is None:
                        first = time.perf_counter() - started
                    events += chunk.count(b"\nevent: ") + chunk.startswith(b"event: ")
            total = time.perf_counter() - started
            ttfb.append(first or total)
            rates.append(events / total)
    return {
        "events": events,
        "events_per_second": statistics.median(rates),
        "ttfb_ms": statistics.median(ttfb) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    body = {"model": "gpt-4o", "input": " ".join(f"w{i}" for i in range(args.deltas)), "stream": True}
    with tempfile.TemporaryDirectory() as tmp:
        emulator = start(
            [
                sys.executable,
                "-m",
                "server.cli",
                "serve",
                "--port",
                "{port}",
                "--log-level",
                "warning",
                "--database-url",
                f"sqlite:///{tmp}/bench.db",
            ],
            health="/health",
        )
        try:
            url = f"{emulator.url}/v1/responses"
            frames = httpx2.post(url, json=body, headers={"Authorization": "Bearer sk-bench"}, timeout=60).content
            frames_file = Path(tmp) / "frames.sse"
            frames_file.write_bytes(frames)
            bare = start([sys.executable, "-m", "bench.bare_sse", str(frames_file), "{port}"], health=None)
            try:
                measure(url, body, 2)  # warm-up
                measure(f"{bare.url}/v1/responses", body, 2)
                results = {
                    "emulator": measure(url, body, args.runs),
                    "bare_sse": measure(f"{bare.url}/v1/responses", body, args.runs),
                }
            finally:
                bare.stop()
        finally:
            emulator.stop()
    emu, bare_result = results["emulator"], results["bare_sse"]
    ratio = emu["events_per_second"] / bare_result["events_per_second"]
    print(f"streaming a {args.deltas}-delta reply ({emu['events']} events), median of {args.runs} runs")
    print(f"{'':12}{'events/s':>12}{'TTFB ms':>10}")
    for name, result in results.items():
        print(f"{name:12}{result['events_per_second']:>12.0f}{result['ttfb_ms']:>10.1f}")
    print(f"ratio emulator/bare_sse events/s: {ratio:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"stream": results, "ratio_events_per_second": ratio}, indent=2))


if __name__ == "__main__":
    main()
