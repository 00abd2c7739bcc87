"""The benchmark harness: the emulator beside a bare Starlette ceiling, both driven by wrk.

Usage: python -m bench [--quick] [--json PATH] [--duration SECONDS] [--only plain|chain|workers|memory]

Cases: non-streaming create (store true / store false on SQLite; store true on PostgreSQL when
127.0.0.1:5432 answers as user postgres), retrieve, streaming a 1,000-delta reply (bench/stream.py against a
bare sse-starlette endpoint), create with previous_response_id at chain depth 1, 100 and 1,000, create and
retrieve on a database holding many stored responses (bulk-inserted) against an empty one, create and retrieve
with ``serve --workers 1`` against ``--workers 2`` on one SQLite file (bench.workers), start-up time,
and resident memory over 100,000 requests after a warm-up. Needs ``wrk`` (Debian:
``apt-get install -y wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2

from bench.servers import Server, free_port, start
from bench.workers import compare_workers

AUTH = {"Authorization": "Bearer sk-bench"}
CREATE = {"model": "gpt-4o", "input": "Say hello to the benchmark."}
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/"
# Alternated emulator/ceiling rounds per connection count in a full run (see ``Bench.pair``).
PAIR_ROUNDS = 3


def need_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit("wrk is not installed: on Debian/Ubuntu run `apt-get update && apt-get install -y wrk`")
    return path


def lua_script(directory: Path, name: str, method: str, body: dict[str, Any] | None) -> Path:
    lines = [f'wrk.method = "{method}"', f'wrk.headers["Authorization"] = "{AUTH["Authorization"]}"']
    if body is not None:
        lines += ['wrk.headers["Content-Type"] = "application/json"', f"wrk.body = [==[{json.dumps(body)}]==]"]
    path = directory / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, script: Path, connections: int, duration: float) -> dict[str, float]:
    threads = 1 if connections == 1 else 2
    command = [
        need_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = int(non2xx.group(1)) if non2xx else 0
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "requests": total, "non_2xx": errors}


def merge_runs(runs: list[dict[str, float]]) -> dict[str, float]:
    """Several wrk runs of equal length as one: mean req/s, the median run's p50 and p99, summed counts."""
    return {
        "rps": statistics.fmean(run["rps"] for run in runs),
        "p50_ms": statistics.median(run["p50_ms"] for run in runs),
        "p99_ms": statistics.median(run["p99_ms"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
        "non_2xx": sum(run["non_2xx"] for run in runs),
    }


def emulator(database_url: str) -> Server:
    return start(
        [sys.executable, "-m", "server.cli", "serve", "--port", "{port}", "--log-level", "warning"]
        + ["--database-url", database_url],
        health="/health",
    )


def create(url: str, **extra: Any) -> dict[str, Any]:
    response = httpx2.post(f"{url}/v1/responses", json={**CREATE, **extra}, headers=AUTH, timeout=30)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Bench:
    def __init__(self, tmp: Path, duration: float, quick: bool) -> None:
        self.tmp, self.duration, self.quick = tmp, duration, quick
        self.results: dict[str, Any] = {}
        self.create_lua = lua_script(tmp, "create", "POST", CREATE)
        self.create_nostore_lua = lua_script(tmp, "create_nostore", "POST", {**CREATE, "store": False})
        self.get_lua = lua_script(tmp, "get", "GET", None)

    def pair(self, name: str, emu_url: str, ceiling_url: str | None, script: Path) -> None:
        """Emulator (and ceiling when given) at 1 and 16 connections, in alternating rounds.

        The benchmark machine is noisy: one ceiling run moved by a third within a full run, so an emulator run
        and a ceiling run seconds apart could see different machines. Rounds of one run each, alternated, give
        both sides the same slices of time; the ratio is of their mean req/s, and each round's ratio is kept
        (``ratio_rounds``) to show the spread.
        """
        entry: dict[str, Any] = {}
        rounds = 1 if self.quick else PAIR_ROUNDS
        seconds = self.duration if self.quick else max(1.0, self.duration / 2)
        for connections in (1, 16):
            emulator_runs: list[dict[str, float]] = []
            ceiling_runs: list[dict[str, float]] = []
            for _ in range(rounds):
                emulator_runs.append(wrk(emu_url, script, connections, seconds))
                if ceiling_url is not None:
                    ceiling_runs.append(wrk(ceiling_url, script, connections, seconds))
            row: dict[str, Any] = {"emulator": merge_runs(emulator_runs)}
            if ceiling_runs:
                row["ceiling"] = merge_runs(ceiling_runs)
                row["ratio"] = row["emulator"]["rps"] / row["ceiling"]["rps"]
                row["ratio_rounds"] = [e["rps"] / c["rps"] for e, c in zip(emulator_runs, ceiling_runs, strict=True)]
            entry[f"c{connections}"] = row
        self.results[name] = entry
        print_case(name, entry)

    def run(self) -> None:
        """Every case."""
        self.plain(chains=True)
        self.postgres()
        self.workers()
        self.stream()
        self.many_stored()
        self.startup()
        self.memory()

    def plain(self, *, chains: bool = False) -> None:
        """Create (stored and not) and retrieve against the ceiling on one emulator; then its chain case."""
        db = self.tmp / "empty.db"
        emu = emulator(f"sqlite:///{db}")
        try:
            first = create(emu.url)
            post_body = httpx2.post(f"{emu.url}/v1/responses", json=CREATE, headers=AUTH).content
            get_body = httpx2.get(f"{emu.url}/v1/responses/{first['id']}", headers=AUTH).content
            (self.tmp / "post.json").write_bytes(post_body)
            (self.tmp / "get.json").write_bytes(get_body)
            ceiling = start(
                [sys.executable, "-m", "bench.ceiling", str(self.tmp / "post.json"), str(self.tmp / "get.json")]
                + ["{port}"],
                health="/health",
            )
            try:
                self.pair(
                    "create store=true sqlite",
                    f"{emu.url}/v1/responses",
                    ceiling.url + "/v1/responses",
                    self.create_lua,
                )
                self.pair(
                    "create store=false sqlite",
                    f"{emu.url}/v1/responses",
                    ceiling.url + "/v1/responses",
                    self.create_nostore_lua,
                )
                self.pair(
                    "retrieve sqlite",
                    f"{emu.url}/v1/responses/{first['id']}",
                    f"{ceiling.url}/v1/responses/{first['id']}",
                    self.get_lua,
                )
                if chains:
                    self.chains(emu.url)
            finally:
                ceiling.stop()
        finally:
            emu.stop()

    def only_chain(self) -> None:
        """The chain case alone, on a fresh emulator."""
        emu = emulator(f"sqlite:///{self.tmp / 'chain.db'}")
        try:
            self.chains(emu.url)
        finally:
            emu.stop()

    def chains(self, emu_url: str) -> None:
        depths = (1, 100, 1000)
        previous = None
        depth = 0
        entry: dict[str, Any] = {}
        for target in depths:
            while depth < target:
                previous = create(emu_url, **({"previous_response_id": previous} if previous else {}))["id"]
                depth += 1
            script = lua_script(self.tmp, f"chain{target}", "POST", {**CREATE, "previous_response_id": previous})
            entry[f"depth {target}"] = {
                f"c{c}": {"emulator": wrk(f"{emu_url}/v1/responses", script, c, self.duration)} for c in (1, 16)
            }
        base = entry["depth 1"]["c16"]["emulator"]["rps"]
        entry["cost_1000_vs_1"] = base / entry["depth 1000"]["c16"]["emulator"]["rps"]
        self.results["chain"] = entry
        print("\nchain (create with previous_response_id), emulator req/s")
        for target in depths:
            cell = entry[f"depth {target}"]
            print(f"  depth {target:>5}: " + "  ".join(fmt(f"c{c}", cell[f"c{c}"]["emulator"]) for c in (1, 16)))
        print(f"  cost depth 1000 / depth 1 (c16): {entry['cost_1000_vs_1']:.2f}x  (target <= 3x)")

    def workers(self) -> None:
        """Create and retrieve at 16 connections, one worker process against two, on SQLite."""
        self.results["workers sqlite"] = compare_workers(
            self.tmp, self.duration, wrk=wrk, create_script=self.create_lua, get_script=self.get_lua, create_body=CREATE
        )

    def postgres(self) -> None:
        try:
            import psycopg

            name = f"bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect("host=127.0.0.1 user=postgres", connect_timeout=2, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
        except Exception as exc:  # noqa: BLE001 - any failure means: not reachable here
            print(f"\npostgresql: skipped ({exc.__class__.__name__}: not reachable at 127.0.0.1:5432)")
            self.results["create store=true postgresql"] = None
            return
        try:
            emu = emulator(PG_URL + name)
            try:
                self.pair("create store=true postgresql", f"{emu.url}/v1/responses", None, self.create_lua)
                entry = self.results["create store=true postgresql"]
                for c in ("c1", "c16"):
                    ceiling = self.results["create store=true sqlite"][c]["ceiling"]
                    entry[c]["ratio"] = entry[c]["emulator"]["rps"] / ceiling["rps"]
            finally:
                emu.stop()
        finally:
            with psycopg.connect("host=127.0.0.1 user=postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")

    def stream(self) -> None:
        out = self.tmp / "stream.json"
        runs = "5" if self.quick else "20"
        subprocess.run([sys.executable, "-m", "bench.stream", "--runs", runs, "--json", str(out)], check=True)
        self.results["stream"] = json.loads(out.read_text())

    def many_stored(self) -> None:
        """Bulk-insert copies of a real response's rows, as many as fit in the time budget."""
        from sqlalchemy import create_engine, insert, select

        from storage import tables

        db = self.tmp / "many.db"
        emu = emulator(f"sqlite:///{db}")
        template = create(emu.url)["id"]
        emu.stop()
        engine = create_engine(f"sqlite:///{db}")
        with engine.connect() as conn:
            row = dict(conn.execute(select(tables.responses).where(tables.responses.c.id == template)).one()._mapping)
            items = [
                dict(r._mapping)
                for r in conn.execute(
                    select(tables.response_items).where(tables.response_items.c.response_id == template)
                )
            ]
        target = 20_000 if self.quick else 1_000_000
        budget = 15.0 if self.quick else 120.0
        batch = 10_000
        stored = 0
        started = time.monotonic()
        while stored < target and time.monotonic() - started < budget:
            ids = [f"resp_bulk{stored + i:012d}" for i in range(batch)]
            with engine.begin() as conn:
                conn.execute(
                    insert(tables.responses), [{**row, "id": i, "body": {**row["body"], "id": i}} for i in ids]
                )
                conn.execute(
                    insert(tables.response_items),
                    [
                        {**item, "response_id": i, "id": f"msg_bulk_{i}_{n}"}
                        for i in ids
                        for n, item in enumerate(items)
                    ],
                )
            stored += batch
        engine.dispose()
        print(f"\nbulk-inserted {stored:,} responses in {time.monotonic() - started:.0f} s (target {target:,})")
        emu = emulator(f"sqlite:///{db}")
        try:
            probe = "resp_bulk000000000007"
            get_script = lua_script(self.tmp, "get_many", "GET", None)
            entry: dict[str, Any] = {"stored": stored}
            for name, url, script in (
                ("create", f"{emu.url}/v1/responses", self.create_lua),
                ("retrieve", f"{emu.url}/v1/responses/{probe}", get_script),
            ):
                result = wrk(url, script, 16, self.duration)
                empty = self.results["create store=true sqlite" if name == "create" else "retrieve sqlite"]["c16"]
                entry[name] = {"emulator": result, "vs_empty": result["rps"] / empty["emulator"]["rps"]}
        finally:
            emu.stop()
        self.results["many_stored"] = entry
        print(f"after {stored:,} stored responses (c16), vs the empty database")
        for name in ("create", "retrieve"):
            print(f"  {name:9}: {fmt('', entry[name]['emulator'])}  = {entry[name]['vs_empty']:.2f} of empty")

    def startup(self) -> None:
        times = []
        for n in range(3):
            db = self.tmp / f"startup{n}.db"
            port = free_port()
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--log-level", "warning"]
                + ["--database-url", f"sqlite:///{db}"]
            )
            try:
                while True:
                    try:
                        if httpx2.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                            break
                    except httpx2.TransportError:
                        pass
                    time.sleep(0.01)
                times.append(time.perf_counter() - started)
            finally:
                Server("", process).stop()
        self.results["startup_seconds"] = statistics.median(times)
        print(f"\nstart-up to a healthy answer: {statistics.median(times):.2f} s (median of 3; target < 1.5 s)")

    def memory(self) -> None:
        """Resident memory over 100,000 creates after a warm-up long enough for the process to settle.

        A 5-second warm-up ended before the process had reached its working size: over the first minute or so
        of load the worker threads that the maintenance loops and contended commits use come and go, and the
        C allocator's per-thread heaps grow to what they hold (in-process, Python's objects and SQLite's own
        memory stay flat meanwhile). Measured on the benchmark machine: +1.3 to +1.5 MiB over the first 80
        seconds, then within 0.2 MiB for two more minutes. So the warm-up runs 90 seconds (15 with --quick) in
        rounds whose figures are printed too, and the 100,000 creates are measured after it.
        """
        emu = emulator(f"sqlite:///{self.tmp / 'memory.db'}")
        try:
            url = f"{emu.url}/v1/responses"
            round_seconds = 5 if self.quick else 10
            warmup: list[int] = []
            warm_requests = 0
            for _ in range(3 if self.quick else 9):
                warm_requests += int(wrk(url, self.create_lua, 16, round_seconds)["requests"])
                warmup.append(rss_kib(emu.process.pid))
            before = warmup[-1]
            samples: list[int] = []
            total = 0
            # Rounds until the target count of requests after warm-up (the issue asks for 100,000), at most 30.
            target = 10_000 if self.quick else 100_000
            while total < target and len(samples) < 30:
                total += int(wrk(url, self.create_lua, 16, round_seconds)["requests"])
                samples.append(rss_kib(emu.process.pid))
        finally:
            emu.stop()
        self.results["memory"] = {
            "warmup_requests": warm_requests,
            "rss_kib_warmup_rounds": warmup,
            "requests": total,
            "rss_kib_after_warmup": before,
            "rss_kib_samples": samples,
        }
        print(
            f"resident memory: during the warm-up ({warm_requests:,} requests) "
            + ", ".join(f"{s / 1024:.1f}" for s in warmup)
            + " MiB; after it, each further round: "
            + ", ".join(f"{s / 1024:.1f}" for s in samples)
            + f" MiB; {total:,} requests after the warm-up"
        )


def fmt(label: str, r: dict[str, float]) -> str:
    return f"{label} {r['rps']:>7.0f} req/s p50 {r['p50_ms']:>6.2f} ms p99 {r['p99_ms']:>6.2f} ms"


def print_case(name: str, entry: dict[str, Any]) -> None:
    print(f"\n{name}")
    for c in ("c1", "c16"):
        row = entry[c]
        line = f"  {c:>3} emulator {fmt('', row['emulator'])}"
        if "ceiling" in row:
            line += f" | ceiling {fmt('', row['ceiling'])}"
        if "ratio" in row:
            line += f" | ratio {row['ratio']:.3f}"
        if len(row.get("ratio_rounds", ())) > 1:
            line += " (rounds " + ", ".join(f"{ratio:.3f}" for ratio in row["ratio_rounds"]) + ")"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, small bulk insert")
    parser.add_argument("--duration", type=float, help="seconds per wrk run (default 5, quick 2)")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"))
    parser.add_argument(
        "--only",
        choices=["plain", "workers", "chain", "memory"],
        help="run only these cases (plain: create and retrieve against the ceiling); the JSON file gets their figures",
    )
    args = parser.parse_args()
    need_wrk()
    duration = args.duration or (2.0 if args.quick else 5.0)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), duration, args.quick)
        {"plain": bench.plain, "workers": bench.workers, "chain": bench.only_chain, "memory": bench.memory}.get(
            args.only or "", bench.run
        )()
    args.json.write_text(json.dumps(bench.results, indent=2))
    print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
