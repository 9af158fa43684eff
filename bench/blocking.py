"""Blocking benchmark: what share of truly linked pairs does ``candidate_pairs`` ever compare, at what cost?

For each synthetic data profile (``caselink synth --profile``) and size, generates cases at a fixed
density (the period grows with the size: 10,000 cases a year over London, 2,500 a year over the
city), ingests them into a scratch store and runs the blocking on the store's cases as ``caselink
link`` does. Reports:

- **recall** against the full truth: every pair of cases by one offender (or co-offender), solved
  or not, with or without a location;
- recall apart for the true pairs that share their incident type and a circumstance (the MO
  evidence the keyed blocks use) and for the others, and the share of the former;
- candidate **pairs per case**, wall **time** and **peak memory** (RSS) of the blocking process;
- the **growth exponents** of pairs and time with the number of cases (k in cost ~ n^k between
  the smallest and the largest size; 1 is linear).

Each blocking run is a fresh process, so ``--src`` can point at another checkout's ``src`` and
measure that version's blocking on the same stores (``--label before --src /tmp/old/src``).

    .venv/bin/python bench/blocking.py                                   # 10k, 100k; both profiles
    .venv/bin/python bench/blocking.py --sizes 10000 --profiles city-acquisitive
    flock /tmp/caselink-heavy.lock .venv/bin/python bench/blocking.py --sizes 1000000

Writes ``bench/results/blocking.json`` (``runs[label][profile][cases]``), keeping other labels.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PER_YEAR = {"london-deaths": 10_000, "city-acquisitive": 2_500}
FIRST_YEAR = {"london-deaths": 2012, "city-acquisitive": 2017}
SEED = 11


def build(profile: str, n: int, folder: Path) -> dict[str, Any]:
    """Generate and ingest ``n`` cases of ``profile`` into ``folder/c.duckdb``; save the true pairs."""
    import numpy as np

    from caselink.store import Store
    from caselink.synth import generate
    from caselink.synth.truth import true_pairs

    years = max(1, math.ceil(n / PER_YEAR[profile]))
    start, end = f"{FIRST_YEAR[profile]}-01-01", f"{FIRST_YEAR[profile] + years}-01-01"
    t0 = time.perf_counter()
    res = generate(n, seed=SEED, profile=profile, start=start, end=end)
    a, b = true_pairs(res)
    ids = np.array(res.case_ids)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "truth.npz", a=ids[a], b=ids[b])
    path = folder / "cases.jsonl"
    res.write_jsonl(path)
    with Store.open(folder / "c.duckdb", user="bench") as store:
        store.ingest([path], run_hooks=False, show_progress=False)
    path.unlink()
    info = {"profile": profile, "cases": n, "period": [start, end], "true_pairs": int(len(a)),
            "build_s": round(time.perf_counter() - t0, 1)}
    (folder / "info.json").write_text(json.dumps(info))
    return info


def block(folder: Path) -> dict[str, Any]:
    """Blocking on the store in ``folder`` (run in its own process): pairs, time, memory, recall."""
    import resource

    import numpy as np

    from caselink.candidates import candidate_pairs
    from caselink.linkage.link import load_cases
    from caselink.store import Store

    with Store.open(folder / "c.duckdb", user="bench") as store:
        frame, entities = load_cases(store, purpose="blocking benchmark", command="bench", light=True)
    t0 = time.perf_counter()
    pairs = candidate_pairs(frame, entities=entities)
    wall = time.perf_counter() - t0
    n = len(frame)
    index = {case_id: i for i, case_id in enumerate(frame["case_id"].tolist())}
    truth = np.load(folder / "truth.npz")
    ta = np.array([index[c] for c in truth["a"].tolist()], dtype=np.int64)
    tb = np.array([index[c] for c in truth["b"].tolist()], dtype=np.int64)
    want = np.minimum(ta, tb) * n + np.maximum(ta, tb)
    have = np.sort(pairs.a.astype(np.int64) * n + pairs.b)
    found = have[np.minimum(np.searchsorted(have, want), max(len(have) - 1, 0))] == want if len(have) else want < 0
    evidenced = _share_mo(frame, np.minimum(ta, tb), np.maximum(ta, tb))
    return {"cases": n, "candidate_pairs": len(pairs), "pairs_per_case": round(len(pairs) / max(n, 1), 1),
            "recall": round(float(found.mean()) if len(want) else 1.0, 4), "true_pairs": int(len(want)),
            "true_pairs_same_type_and_circumstance": round(float(evidenced.mean()), 4) if len(want) else None,
            "recall_same_type_and_circumstance": round(float(found[evidenced].mean()), 4) if evidenced.any() else None,
            "recall_other_pairs": round(float(found[~evidenced].mean()), 4) if (~evidenced).any() else None,
            "wall_s": round(wall, 2), "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "by_block": pairs.by_block, "windows": pairs.windows}


def _share_mo(frame: Any, a: Any, b: Any) -> Any:
    """Per pair: the same incident type and at least one circumstance in common."""
    import numpy as np

    types = frame["incident_type"].astype(str).to_numpy()
    facts = [frozenset(v) if isinstance(v, list | tuple | np.ndarray) else frozenset()
             for v in frame["circumstances"].tolist()]
    return np.array([types[i] == types[j] and bool(facts[i] & facts[j]) for i, j in zip(a.tolist(), b.tolist(),
                                                                                        strict=True)], dtype=bool)


def _run(args: list[str], src: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"step {args[0]} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def exponent(rows: list[dict[str, Any]], key: str) -> float | None:
    """k in cost ~ n^k between the smallest and largest size measured."""
    if len(rows) < 2 or rows[0][key] <= 0:
        return None
    return round(math.log(rows[-1][key] / rows[0][key]) / math.log(rows[-1]["cases"] / rows[0]["cases"]), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--profiles", nargs="+", default=list(PER_YEAR))
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--label", default="current", help="Name of this run in the results (e.g. before/after).")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="The caselink source whose blocking is measured.")
    parser.add_argument("--work", type=Path, default=None, help="Keep the stores here and reuse them (default: temporary).")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "blocking.json")
    opts = parser.parse_args()
    tmp = None if opts.work else tempfile.TemporaryDirectory(prefix="caselink-blocking-")
    work = opts.work or Path(tmp.name)  # type: ignore[union-attr]
    runs: dict[str, Any] = {}
    for profile in opts.profiles:
        rows = []
        for n in sorted(opts.sizes):
            folder = work / f"{profile}-{n}"
            info = json.loads((folder / "info.json").read_text()) if (folder / "info.json").exists() else \
                _run(["_build", profile, str(n), str(folder)], ROOT / "src")
            row = {**_run(["_block", str(folder)], opts.src), "period": info["period"]}
            rows.append(row)
            print(f"{opts.label} {profile} {n:>9,}: recall {row['recall']:.3f}, {row['pairs_per_case']:.1f} pairs/case, "
                  f"{row['wall_s']:.1f} s, {row['peak_rss_mib']} MiB", flush=True)
        runs[profile] = {str(r["cases"]): r for r in rows}
    merged = json.loads(opts.out.read_text()) if opts.out.exists() else {}  # read late: other runs may have written
    for profile, rows_by_size in runs.items():
        entry = merged.setdefault("runs", {}).setdefault(opts.label, {}).setdefault(profile, {})
        entry.update(rows_by_size)
        ordered = sorted((r for k, r in entry.items() if k != "growth"), key=lambda r: r["cases"])
        entry["growth"] = {"pairs_exponent": exponent(ordered, "candidate_pairs"),
                           "time_exponent": exponent(ordered, "wall_s"), "sizes": [r["cases"] for r in ordered]}
        print(f"{opts.label} {profile}: growth {entry['growth']}")
    merged["machine"] = {"cpus": os.cpu_count(), "load_avg_1m_at_end": round(os.getloadavg()[0], 2)}
    merged["density"] = {p: f"{v} cases a year from {FIRST_YEAR[p]} (period grows with size)" for p, v in PER_YEAR.items()}
    merged["truth"] = "every pair of cases sharing an offender or co-offender (synth truth), solved or not"
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"written {opts.out}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_build":
        print(json.dumps(build(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "_block":
        print(json.dumps(block(Path(sys.argv[2]))))
    else:
        main()
