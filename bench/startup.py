"""Benchmark CLI start-up: `caselink --help` (and `caselink --version`, `caselink export --help`)
against the bare interpreter (`python -c pass`), interleaved in the same run so machine noise hits
both alike. Also lists which heavy libraries each command line loads (it should be none).

    .venv/bin/python bench/startup.py              # 21 runs each
    .venv/bin/python bench/startup.py --runs 51

Prints medians and writes bench/results/startup.json. Runs `python -m caselink` from this
checkout's src/ (PYTHONPATH), so it measures the code here, not an installed copy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("duckdb", "pyarrow", "numba", "numpy", "pandas", "scipy", "sklearn", "fastapi", "statsmodels",
         "matplotlib", "splink")
LINES = {
    "bare interpreter": ["-c", "pass"],
    "caselink --help": ["-m", "caselink", "--help"],
    "caselink --version": ["-m", "caselink", "--version"],
    "caselink export --help": ["-m", "caselink", "export", "--help"],
}
PROBE = ("import runpy, sys\nsys.argv = ['caselink', *sys.argv[1:]]\ntry:\n"
         "    runpy.run_module('caselink', run_name='__main__')\nexcept SystemExit:\n    pass\n"
         "print('LOADED', ' '.join(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)\n")


SRC = ROOT / "src"


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC)}


def once(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=env())
    return time.perf_counter() - start


def heavy_loaded(args: list[str]) -> list[str]:
    if args[:2] != ["-m", "caselink"]:
        return []
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args[2:]], capture_output=True,
                          text=True, env=env(), check=True)
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("LOADED")][-1]
    return line.split()[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--src", type=Path, default=None,
                        help="Measure another checkout's src/ (e.g. an older commit's, for a before figure).")
    parser.add_argument("--out", default="startup", help="Result name: bench/results/<out>.json")
    opts = parser.parse_args()
    global SRC
    if opts.src is not None:
        SRC = opts.src.resolve()
    for args in LINES.values():  # warm the file cache and .pyc files
        once(args)
    times: dict[str, list[float]] = {name: [] for name in LINES}
    for _ in range(opts.runs):
        for name, args in LINES.items():
            times[name].append(once(args))
    bare = statistics.median(times["bare interpreter"])
    results = {}
    for name, args in LINES.items():
        med = statistics.median(times[name])
        results[name] = {"median_s": round(med, 4), "over_bare_s": round(med - bare, 4),
                         "min_s": round(min(times[name]), 4), "heavy_modules_loaded": heavy_loaded(args)}
        print(f"{name:<26} median {med:.3f} s  (+{med - bare:.3f} s over bare)  "
              f"heavy loaded: {', '.join(results[name]['heavy_modules_loaded']) or 'none'}")
    out = {"runs": opts.runs, "src": str(SRC), "python": platform.python_version(), "machine": platform.machine(),
           "cpus": os.cpu_count(), "target_median_s": 0.15, "results": results}
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / f"{opts.out}.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
