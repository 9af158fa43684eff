"""Space-time permutation scan benchmark: 10k cases x 999 replicates (target < 60 s).

Synthetic cases are uniform on a square (x/y metres) over three years, at a fixed density of
4 cases per km^2 (so a 2 km circle holds about 50 cases), plus one planted cluster. The scan uses
circles up to 2 km, windows up to 30 days, daily time units. The kernel is compiled (and cached)
before timing. Also times how the scan grows with the number of cases (same density, so a larger
area) and with the number of replicates. The machine may be shared: quote medians.

    .venv/bin/python bench/scan.py                    # headline: median of 3 runs; curves: 1 run each
    .venv/bin/python bench/scan.py --repeats 1 --quick

Writes bench/results/scan.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "scan.json"
DENSITY_PER_KM2 = 4.0
DAYS = 3 * 365


def cases(n: int, seed: int = 7) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``n`` cases at the fixed density, 1% of them planted in one 300 m, 10-day cylinder."""
    rng = np.random.default_rng(seed)
    side = np.sqrt(n / DENSITY_PER_KM2) * 1000.0
    planted = max(5, n // 100)
    coords = rng.uniform(0, side, size=(n, 2))
    when = rng.integers(0, DAYS, n)
    centre = rng.uniform(0.3 * side, 0.7 * side, 2)
    angle, radius = rng.uniform(0, 2 * np.pi, planted), 300 * np.sqrt(rng.uniform(0, 1, planted))
    coords[:planted] = centre + np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    when[:planted] = 400 + rng.integers(0, 10, planted)
    return [f"b{i:06d}" for i in range(n)], coords, np.datetime64("2020-01-01") + when


def time_scan(n: int, replicates: int, seed: int) -> dict[str, Any]:
    from caselink.scan import ScanSettings, permutation_scan

    ids, coords, days = cases(n)
    settings = ScanSettings(max_radius_km=2.0, max_days=30, replicates=replicates, seed=seed)
    wall, cpu = time.perf_counter(), time.process_time()
    result = permutation_scan(ids, coords, "xy", days, settings)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    top = result.clusters[0]
    return {"cases": n, "replicates": replicates, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "top_llr": round(top.llr, 3), "top_p": top.p_value, "top_observed": top.observed}


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {**runs[0], "wall_s": statistics.median(r["wall_s"] for r in runs),
            "cpu_s": statistics.median(r["cpu_s"] for r in runs), "runs_wall_s": [r["wall_s"] for r in runs]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of the headline (median quoted)")
    parser.add_argument("--curve-repeats", type=int, default=1, help="runs of each growth-curve point")
    parser.add_argument("--quick", action="store_true", help="smaller growth curves")
    args = parser.parse_args()
    import numba

    time_scan(500, 9, 0)  # compile / load the cached kernel outside the timings
    load_before = os.getloadavg()
    headline = median_of([time_scan(10_000, 999, s) for s in range(args.repeats)])
    print(f"10k cases x 999 replicates: median {headline['wall_s']:.1f} s wall "
          f"({headline['cpu_s']:.1f} s CPU), runs {headline['runs_wall_s']}", flush=True)
    sizes = [2_500, 5_000, 10_000] if args.quick else [2_500, 5_000, 10_000, 20_000, 40_000]
    by_cases = [median_of([time_scan(n, 199, s) for s in range(args.curve_repeats)]) for n in sizes]
    for r in by_cases:
        print(f"  {r['cases']:>6} cases x 199 replicates: {r['wall_s']:.2f} s", flush=True)
    reps = [99, 249, 499] if args.quick else [99, 249, 499, 1999]
    by_reps = [median_of([time_scan(10_000, r, s) for s in range(args.curve_repeats)]) for r in reps]
    by_reps = sorted([*by_reps, headline], key=lambda r: r["replicates"])
    for r in by_reps:
        print(f"  10k cases x {r['replicates']:>5} replicates: {r['wall_s']:.2f} s", flush=True)
    out = {
        "benchmark": "scan", "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "numba_threads": numba.get_num_threads(),
                    "python": platform.python_version(), "load_avg_before": load_before,
                    "load_avg_after": os.getloadavg()},
        "setup": {"density_per_km2": DENSITY_PER_KM2, "days": DAYS, "max_radius_km": 2.0,
                  "max_days": 30, "time_unit": "day", "planted_share": 0.01},
        "target": "10k cases x 999 replicates under 60 s",
        "headline": headline, "by_cases_199_replicates": by_cases, "by_replicates_10k_cases": by_reps,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
