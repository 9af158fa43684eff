"""Benchmark `caselink serve`: requests per second and latency (p50/p95/p99) for the case page
and the `similar` API on a 100k-case store, under a bounded load from a second process.

The server runs as its own process (`caselink serve` on loopback); this script is the load
generator: a fixed number of concurrent clients (closed loop, each waits for its answer) for a
fixed time per endpoint, on case ids drawn at random from the store. Figures go to stdout and
to bench/results/serve.json.

    .venv/bin/python bench/serve.py                      # builds a 100k synthetic store first
    .venv/bin/python bench/serve.py --db big.duckdb      # reuse a store (must be linked)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CASELINK = str(Path(sys.executable).with_name("caselink"))
PASSWORD = "bench password 1234"


def run(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run([CASELINK, *args], input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"caselink {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def build_store(db: Path, n_cases: int, seed: int) -> float:
    """Synthetic cases, ingested and linked (so `similar` reads stored links); returns seconds."""
    t0 = time.perf_counter()
    data = db.with_suffix(".jsonl")
    run("synth", "--cases", str(n_cases), "--seed", str(seed), "--out", str(data))
    run("ingest", str(data), "--db", str(db), "--json")
    data.unlink()
    return time.perf_counter() - t0


def prepare(db: Path, n_ids: int) -> tuple[str, list[str], dict[str, int]]:
    """A bench user with a token, and case ids to ask for (read before the server holds the store)."""
    users = json.loads(run("users", "list", "--db", str(db), "--json"))
    if not any(u["user_name"] == "bench" for u in users):
        run("users", "add", "bench", "--role", "supervisor", "--password-stdin", "--db", str(db), stdin=PASSWORD + "\n")
    token = json.loads(run("users", "token", "bench", "--days", "1", "--label", "bench", "--db", str(db), "--json"))["token"]
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    ids = [r[0] for r in con.execute(
        f"SELECT case_id FROM cases USING SAMPLE reservoir({int(n_ids)} ROWS) REPEATABLE (1)").fetchall()]
    n = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
    links = con.execute("SELECT count(*) FROM links").fetchall()[0][0]
    con.close()
    print(f"store: {n} cases, {links} links", flush=True)
    return token, ids, {"cases": int(n), "links": int(links)}


def start_server(db: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen([CASELINK, "serve", "--db", str(db), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
    proc.terminate()
    raise SystemExit("server did not start in 120 s")


def load(base: str, paths: list[str], token: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` closed-loop clients for ``seconds``; every answer must be 200."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}", "X-Caselink-Purpose": "benchmark"}

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            while time.monotonic() < stop:
                path = rng.choice(paths)
                t0 = time.perf_counter()
                r = http.get(path)
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if r.status_code != 200:
                        errors.append(f"{path}: {r.status_code}")

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [latencies[0]] * 99
    return {"requests": len(latencies), "errors": len(errors), "error_examples": errors[:3],
            "seconds": round(wall, 2), "rps": round(len(latencies) / wall, 1), "clients": clients,
            "p50_ms": round(q[49] * 1000, 1), "p95_ms": round(q[94] * 1000, 1), "p99_ms": round(q[98] * 1000, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None, help="a linked store to reuse (default: build one)")
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients (the bounded load)")
    ap.add_argument("--seconds", type=float, default=20.0, help="duration per endpoint")
    ap.add_argument("--port", type=int, default=8771)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "serve.json")
    args = ap.parse_args()
    build_s = None
    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="caselink-bench-")
        db = Path(tmp.name) / "serve.duckdb"
        print(f"building a {args.cases}-case linked store ...", flush=True)
        build_s = round(build_store(db, args.cases, args.seed), 1)
    token, ids, store_size = prepare(db, 2000)
    server = start_server(db, args.port)
    base = f"http://127.0.0.1:{args.port}"
    results: dict[str, Any] = {}
    try:
        # Warm up (first requests load the model and DuckDB pages).
        load(base, [f"/api/v1/cases/{ids[0]}/similar"], token, 1, 2.0)
        for name, paths in [
            ("case_page", [f"/cases/{i}" for i in ids]),
            ("similar_api", [f"/api/v1/cases/{i}/similar?limit=10" for i in ids]),
            ("case_api", [f"/api/v1/cases/{i}" for i in ids]),
        ]:
            results[name] = load(base, paths, token, args.clients, args.seconds)
            print(f"{name:<12} {results[name]['rps']:>7} req/s  p50 {results[name]['p50_ms']} ms  "
                  f"p95 {results[name]['p95_ms']} ms  p99 {results[name]['p99_ms']} ms  "
                  f"({results[name]['requests']} requests, {results[name]['errors']} errors)", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if tmp is not None:
            tmp.cleanup()
    report = {"benchmark": "serve", **store_size, "store_build_seconds": build_s,
              "load": {"clients": args.clients, "seconds_per_endpoint": args.seconds, "loopback": True,
                       "generator": "separate process (this script), server: caselink serve"},
              "results": results,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_average_1m": round(os.getloadavg()[0], 2)},
              "command": " ".join(["python", "bench/serve.py", *sys.argv[1:]])}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
