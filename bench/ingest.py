"""Ingest benchmark: records/s and peak memory for 10k, 100k and 1M synthetic cases.

Each size is generated once with ``caselink synth`` (not timed), then ingested into a fresh store
in a fresh process (``caselink ingest --no-link``), so peak memory is that process and its
workers. Repeats give medians; the machine may be shared, so quote medians and ratios, and the
CPU seconds (ingest process, its database threads and its worker processes), which load from
other work changes far less than wall time. Each row also has the phases of the median run
(wall and main-process CPU: validate and stage, merge statement by statement, commit) and the
1-minute load average before and after.

    .venv/bin/python bench/ingest.py                 # 10k, 100k (3 runs each), 1M (1 run)
    .venv/bin/python bench/ingest.py --sizes 10000 --repeats 5
    .venv/bin/python bench/ingest.py --workdir /tmp/ingest-bench   # reuse generated files

Writes bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "ingest.json"
CHILD = """
import json, resource, sys, time
from caselink.store import Store
t = time.perf_counter()
with Store.open(sys.argv[1], user="bench") as s:
    r = s.ingest([sys.argv[2]], run_hooks=False, show_progress=False)
wall = time.perf_counter() - t
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": wall, "new": r.new, "records": r.records, "peak_rss_mb": me.ru_maxrss / 1024,
                  "peak_worker_rss_mb": kids.ru_maxrss / 1024, "cpu_s": me.ru_utime + me.ru_stime,
                  "worker_cpu_s": kids.ru_utime + kids.ru_stime, "phases_s": r.extra.get("seconds", {}),
                  "phases_cpu_s": r.extra.get("cpu_seconds", {})}))
"""


def generate(n: int, folder: Path) -> Path:
    path = folder / f"synth_{n}.jsonl"
    if not path.exists():
        subprocess.run([sys.executable, "-m", "caselink", "synth", "--cases", str(n), "--seed", "7",
                        "--out", str(path)], check=True, stdout=subprocess.DEVNULL)
    return path


def run_once(path: Path, folder: Path) -> dict[str, float]:
    db = folder / "bench.duckdb"
    for old in folder.glob("bench.duckdb*"):
        old.unlink()
    out = subprocess.run([sys.executable, "-c", CHILD, str(db), str(path)], check=True,
                         capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["db_mb"] = db.stat().st_size / 2**20
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3, help="runs per size below 1M (1M runs once)")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="caselink-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        path = generate(n, folder)
        repeats = 1 if n >= 1_000_000 else args.repeats
        load_before = os.getloadavg()[0]
        runs = [run_once(path, folder) for _ in range(repeats)]
        walls = [r["wall_s"] for r in runs]
        median = statistics.median(walls)
        cpu = statistics.median(r["cpu_s"] + r["worker_cpu_s"] for r in runs)
        middle = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
        row = {
            "cases": n, "runs": repeats, "file_mb": round(path.stat().st_size / 2**20, 1),
            "wall_s_median": round(median, 2), "wall_s_all": [round(w, 2) for w in walls],
            "records_per_s": round(n / median), "us_per_record": round(median / n * 1e6, 1),
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs)),
            "peak_worker_rss_mb": round(max(r["peak_worker_rss_mb"] for r in runs)),
            "db_mb": round(runs[-1]["db_mb"], 1),
            "cpu_s_median": round(cpu, 2), "cpu_s_main_median": round(statistics.median(r["cpu_s"] for r in runs), 2),
            "phases_s_of_median_run": middle["phases_s"], "phases_cpu_s_of_median_run": middle["phases_cpu_s"],
            "worker_cpu_s_median": round(statistics.median(r["worker_cpu_s"] for r in runs), 2),
            "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
        rows.append(row)
        print(f"{n:>9,} cases: median {median:7.2f} s  {row['records_per_s']:>8,} rec/s  "
              f"{row['us_per_record']:6.1f} us/rec  peak {row['peak_rss_mb']:,} MB (+{row['peak_worker_rss_mb']} MB per worker)  "
              f"cpu {cpu:.1f} s  load {load_before:.1f}->{row['load_avg_1m'][1]:.1f}\n    phases {middle['phases_s']}\n"
              f"    main-process cpu {middle['phases_cpu_s']}, workers {row['worker_cpu_s_median']} s",
              flush=True)
    for a, b in zip(rows, rows[1:], strict=False):
        growth = (b["wall_s_median"] / a["wall_s_median"]) / (b["cases"] / a["cases"])
        print(f"{a['cases']:,} -> {b['cases']:,}: time grew {b['wall_s_median'] / a['wall_s_median']:.1f}x for "
              f"{b['cases'] / a['cases']:.0f}x cases (per-case cost ratio {growth:.2f}; 1.0 = linear)")
    load = os.getloadavg()
    report = {
        "benchmark": "ingest", "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m_at_end": load[0],
                    "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
        "workers": os.environ.get("CASELINK_WORKERS", "default"),
        "results": rows,
        "targets": {"1M_cases_wall_s": 60, "peak_memory_gib": 4},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {RESULTS.relative_to(ROOT)} (load average {load[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
