"""Linkage benchmark: compare+score throughput, full ``link`` at 10k/100k(/1M) cases, ``similar`` latency.

Synthetic stores come from ``caselink.synth.generate`` at a fixed density of cases in space and
time (London, 10,000 cases a year: the time window grows with the number of cases), so the
growth of cost with size is the growth the design claims to be near-linear. Each step runs in
its own process so its peak memory (max RSS) is its own.

    .venv/bin/python bench/link.py                 # 10k and 100k
    .venv/bin/python bench/link.py --sizes 10000 100000 1000000
    .venv/bin/python bench/link.py --incremental-sizes 10000 100000 --repeats 5 --workdir /tmp/bench
    .venv/bin/python bench/link.py --throughput-db /tmp/bench/s100000.duckdb --repeats 5

Writes ``bench/results/link.json``. The machine may be shared: times are medians where repeated.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
PER_YEAR = 10_000


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """CPU seconds of this process so far (user + system): steadier than wall time on a shared machine."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _load_avg() -> float:
    return round(os.getloadavg()[0], 2)


def _window(n: int) -> tuple[str, str]:
    years = max(1, math.ceil(n / PER_YEAR))
    return "2012-01-01", f"{2012 + years}-01-01"


def step_build(n: int, db: str) -> dict[str, Any]:
    """Generate ``n`` cases and ingest them (not part of the linkage figures)."""
    from caselink.store import Store
    from caselink.synth import generate

    start, end = _window(n)
    t0 = time.perf_counter()
    result = generate(n, seed=11, start=start, end=end)
    path = Path(db).with_suffix(".jsonl")
    result.write_jsonl(path)
    t1 = time.perf_counter()
    with Store.open(db, user="bench") as store:
        store.ingest([path], run_hooks=False, show_progress=False)
    path.unlink()
    return {"generate_s": round(t1 - t0, 1), "ingest_s": round(time.perf_counter() - t1, 1), "window": [start, end]}


def step_link(db: str) -> dict[str, Any]:
    """Full link of the store: candidates, compare+score, store links."""
    from caselink.linkage.link import link
    from caselink.store import Store

    with Store.open(db, user="bench") as store:
        t0, c0 = time.perf_counter(), _cpu_s()
        report = link(store, full=True, purpose="benchmark", raise_alerts=False)
        wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
    return {"cases": report.cases, "candidate_pairs": report.candidate_pairs, "stored_links": report.stored_links,
            "top_partner_links": getattr(report, "top_partner_links", 0), "by_block": report.by_block, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "stages_s": report.seconds,
            "peak_rss_mib": round(_peak_mib()), "peak_mib_by_stage": report.peak_mib,
            "load_avg_1m_at_end": _load_avg(), "model": report.model_version}


def step_similar(db: str, queries: int, limit: int = 5) -> dict[str, Any]:
    """Latency of ``similar`` (top ``limit``; 5 is its default) for random cases of a linked store;
    ``answered_from`` counts the answers read from the links table and those scored on the fly."""
    from caselink.linkage.similar import similar
    from caselink.store import Store

    with Store.open(db, user="bench") as store:
        ids = [r[0] for r in store.con.execute(
            f"SELECT case_id FROM cases USING SAMPLE reservoir({int(queries)} ROWS) REPEATABLE (5)").fetchall()]
        similar(store, ids[0], limit=limit, purpose="benchmark")  # warm up
        first = store.con.execute("SELECT max(seq) FROM audit_log").fetchall()[0][0]
        times = []
        for case_id in ids:
            t0 = time.perf_counter()
            similar(store, case_id, limit=limit, purpose="benchmark")
            times.append((time.perf_counter() - t0) * 1000)
        sources = dict(store.con.execute(
            "SELECT json_extract_string(detail, '$.source') AS s, count(*) FROM audit_log WHERE command = 'similar' "
            "AND s IS NOT NULL AND seq > ? GROUP BY s", [first]).fetchall())
    return {"queries": len(times), "limit": limit, "answered_from": sources, "p50_ms": round(float(np.percentile(times, 50)), 1),
            "p95_ms": round(float(np.percentile(times, 95)), 1), "max_ms": round(max(times), 1)}


def step_incremental(db: str, repeats: int = 1) -> dict[str, Any]:
    """Ingest one new case into a linked store, then link it: what an ingest with alerts costs.

    Repeated ``repeats`` times (a new case each time, a copy of a random stored case placed at a
    random other stored case's place and time); wall time of ``link`` as a median.
    """
    import orjson

    from caselink.linkage.link import link
    from caselink.store import Store

    runs: list[dict[str, Any]] = []
    rng = np.random.default_rng(7)
    with Store.open(db, user="bench") as store:
        from caselink.linkage.context import load_text_model, store_context_for
        from caselink.linkage.link import load_cases

        if pending := store.con.execute("SELECT count(*) FROM links").fetchall()[0][0] == 0:
            link(store, full=True, purpose="benchmark", raise_alerts=False)  # a linked store to add to
        elif load_text_model(store) is None:  # linked before narrative models were kept: fit one (not timed)
            store_context_for(store, *load_cases(store, purpose="benchmark", command="bench"), refit_text=True)
        total = store.count()
        for rep in range(repeats):
            picks = [int(i) for i in rng.integers(0, total, 2)]
            rows = [orjson.loads(store.con.execute("SELECT record FROM cases ORDER BY case_id LIMIT 1 OFFSET ?",
                                                   [i]).fetchall()[0][0]) for i in picks]
            record = {**rows[0], **{k: rows[1].get(k) for k in ("lat", "lon", "x", "y", "occurred_from", "found_at",
                                                                "occurred_to")}}
            record["case_id"] = f"BENCH-NEW-{os.getpid()}-{rep}"
            path = Path(db).with_suffix(".new.jsonl")
            path.write_bytes(orjson.dumps(record) + b"\n")
            store.ingest([path], run_hooks=False, show_progress=False)
            path.unlink()
            t0 = time.perf_counter()
            report = link(store, purpose="benchmark")
            runs.append({"wall_s": round(time.perf_counter() - t0, 3), "linked_cases": report.linked_cases,
                         "candidate_pairs": report.candidate_pairs, "stages_s": report.seconds})
    walls = [r["wall_s"] for r in runs]
    stages = {k: round(float(np.median([r["stages_s"].get(k, 0.0) for r in runs])), 3) for k in runs[-1]["stages_s"]}
    return {"cases": total, "repeats": len(runs), "wall_s": round(float(np.median(walls)), 2),
            "wall_s_runs": walls, "stages_s_median": stages, "linked_cases": runs[-1]["linked_cases"],
            "candidate_pairs_median": int(np.median([r["candidate_pairs"] for r in runs])),
            "linked_store_first": bool(pending), "peak_rss_mib": round(_peak_mib())}


def step_throughput(db: str, pairs: int, repeats: int) -> dict[str, Any]:
    """Compare+score µs per pair over >= ``pairs`` candidate pairs (chunks of 250k), median of repeats."""
    from caselink.candidates import candidate_pairs
    from caselink.compare import compare_pairs
    from caselink.linkage.link import build_table, load_cases, resolve_model
    from caselink.store import Store

    with Store.open(db, user="bench") as store:
        frame, entities = load_cases(store, purpose="benchmark", command="bench")
    table = build_table(frame, entities)
    model = resolve_model(None)
    cand = candidate_pairs(frame, entities=entities)
    reps = math.ceil(pairs / max(len(cand), 1))
    a, b = np.tile(cand.a, reps)[:pairs], np.tile(cand.b, reps)[:pairs]
    runs, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), _cpu_s()
        for s in range(0, len(a), 250_000):
            model.score(compare_pairs(table, a[s:s + 250_000], b[s:s + 250_000]))
        runs.append(time.perf_counter() - t0)
        cpus.append(_cpu_s() - c0)
    med = float(np.median(runs))
    return {"pairs": int(len(a)), "repeats": repeats, "seconds_median": round(med, 2),
            "cpu_us_per_pair_median": round(float(np.median(cpus)) / len(a) * 1e6, 3), "load_avg_1m_at_end": _load_avg(),
            "us_per_pair_median": round(med / len(a) * 1e6, 3), "us_per_pair_runs": [round(r / len(a) * 1e6, 3) for r in runs],
            "features": len(compare_pairs(table, a[:10], b[:10]).names), "model": f"{model.name} {model.version}"}


def step_candidates(n: int) -> dict[str, Any]:
    """Blocking alone on ``n`` uniformly spread cases at a fixed density (no store, no scoring)."""
    import pandas as pd

    from caselink.candidates import candidate_pairs

    rng = np.random.default_rng(1)
    side = 10_000 * math.sqrt(n / 1_000)  # 1,000 cases per 100 km2 per 5 years, 5% with no location
    x, y = rng.uniform(0, side, n), rng.uniform(0, side, n)
    lat, lon = 51.5 + y / 111_195, -0.1 + x / (111_195 * math.cos(math.radians(51.5)))
    lat[rng.random(n) < 0.05] = np.nan
    t = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.uniform(0, 5 * 365, n), unit="D")
    mo = rng.integers(0, 40, n)
    frame = pd.DataFrame({"case_id": np.arange(n).astype(str), "lat": lat, "lon": lon, "x": np.nan, "y": np.nan,
                          "t_from": t, "t_to": t, "area": None, "incident_type": "assault",
                          "circumstances": [[f"mo{m}"] for m in mo], "substances": None})
    t0 = time.perf_counter()
    pairs = candidate_pairs(frame)
    wall = time.perf_counter() - t0
    return {"cases": n, "candidate_pairs": len(pairs), "per_case": round(len(pairs) / n, 1), "wall_s": round(wall, 2),
            "by_block": pairs.by_block, "windows": pairs.windows, "peak_rss_mib": round(_peak_mib())}


def _child(step: str, *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--step", step, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench step {step} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _growth(rows: list[dict[str, Any]], key: str) -> float | None:
    """Exponent k in cost ~ cases^k between the smallest and largest size."""
    if len(rows) < 2 or not rows[0][key] or not rows[-1][key]:
        return None
    return round(math.log(rows[-1][key] / rows[0][key]) / math.log(rows[-1]["cases"] / rows[0]["cases"]), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000],
                        help="Store sizes for full link (none: only --candidate-sizes; figures merge into --out).")
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "link.json")
    parser.add_argument("--candidate-sizes", type=int, nargs="*", default=[],
                        help="Also time blocking alone on this many uniformly spread cases (e.g. 1000000).")
    parser.add_argument("--incremental-sizes", type=int, nargs="*", default=[],
                        help="Only time linking 1 new case into stores of these sizes (built or reused in --workdir).")
    parser.add_argument("--workdir", type=Path, default=None, help="Keep the stores here (default: a temp dir).")
    parser.add_argument("--throughput-db", type=Path, default=None,
                        help="Only measure compare+score µs/pair on this store (merged into --out).")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.step:
        fn = {"build": lambda: step_build(int(opts.args[0]), opts.args[1]), "link": lambda: step_link(opts.args[0]),
              "similar": lambda: step_similar(opts.args[0], int(opts.args[1]), int(opts.args[2])),
              "incremental": lambda: step_incremental(opts.args[0], int(opts.args[1]) if len(opts.args) > 1 else 1),
              "candidates": lambda: step_candidates(int(opts.args[0])),
              "throughput": lambda: step_throughput(opts.args[0], int(opts.args[1]), int(opts.args[2]))}[opts.step]
        print(json.dumps(fn()))
        return
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "note": "shared with other engineers; medians"},
                               "density": f"{PER_YEAR} cases a year over London (window grows with size)",
                               "link": []}
    if opts.incremental_sizes:
        return _incremental_only(opts.incremental_sizes, opts.repeats, opts.workdir, opts.out)
    if opts.throughput_db:
        row = _child("throughput", str(opts.throughput_db), str(opts.pairs), str(opts.repeats))
        merged = json.loads(opts.out.read_text()) if opts.out.exists() else {}
        merged["compare_score"] = {"store": opts.throughput_db.name, **row}
        opts.out.write_text(json.dumps(merged, indent=2) + "\n")
        print(f"compare+score: {row['us_per_pair_median']} µs/pair (median of {row['repeats']}; CPU "
              f"{row['cpu_us_per_pair_median']} µs/pair) over {row['pairs']:,} pairs; written {opts.out}")
        return
    with tempfile.TemporaryDirectory(prefix="caselink-bench-") as scratch:
        tmp = str(opts.workdir or scratch)
        Path(tmp).mkdir(parents=True, exist_ok=True)
        for n in opts.sizes:
            db = str(Path(tmp) / f"s{n}.duckdb")
            built = {"reused": True} if Path(db).exists() else _child("build", str(n), db)
            row = {"cases": n, **_child("link", db), "build": built}
            results["link"].append(row)
            print(f"link {n:>9,} cases: {row['candidate_pairs']:>12,} pairs ({row['candidate_pairs'] / n:.1f}/case), "
                  f"{row['stored_links']:,} links, {row['wall_s']:.1f} s, peak {row['peak_rss_mib']:,} MiB", flush=True)
        if not opts.sizes:
            return _finish(results, opts.out, opts.candidate_sizes)
        largest = str(Path(tmp) / f"s{opts.sizes[-1]}.duckdb")
        results["similar"] = {"cases": opts.sizes[-1], **_child("similar", largest, str(opts.queries), "5")}
        print(f"similar on {opts.sizes[-1]:,}: p50 {results['similar']['p50_ms']} ms, p95 {results['similar']['p95_ms']} ms")
        # beyond the 5 kept top partners, most answers are scored on the fly: a few queries suffice
        results["similar_top10"] = {"cases": opts.sizes[-1],
                                    **_child("similar", largest, str(max(opts.queries // 10, 5)), "10")}
        print(f"similar --limit 10 on {opts.sizes[-1]:,}: p50 {results['similar_top10']['p50_ms']} ms, "
              f"p95 {results['similar_top10']['p95_ms']} ms ({results['similar_top10']['answered_from']})")
        results["incremental_one_case"] = [_child("incremental", largest, str(opts.repeats))]
        print(f"link one new case on {opts.sizes[-1]:,}: {results['incremental_one_case'][0]['wall_s']} s (median)")
        through_db = str(Path(tmp) / f"s{min(opts.sizes[-1], 100_000)}.duckdb")
        if not Path(through_db).exists():
            through_db = largest
        results["compare_score"] = _child("throughput", through_db, str(opts.pairs), str(opts.repeats))
        print(f"compare+score: {results['compare_score']['us_per_pair_median']} µs/pair over "
              f"{results['compare_score']['pairs']:,} pairs")
    _finish(results, opts.out, opts.candidate_sizes)


def _incremental_only(sizes: list[int], repeats: int, workdir: Path | None, out: Path) -> None:
    """"link 1 new case into an N-case store" for each size; merged into ``out`` as ``incremental_one_case``."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="caselink-bench-") as scratch:
        tmp = Path(workdir or scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            db = str(tmp / f"s{n}.duckdb")
            if not Path(db).exists():
                _child("build", str(n), db)
            rows.append(_child("incremental", db, str(repeats)))
            r = rows[-1]
            print(f"link 1 new case into {r['cases']:,} cases: median {r['wall_s']} s over {r['repeats']} "
                  f"({r['candidate_pairs_median']} candidate pairs; stages {r['stages_s_median']})", flush=True)
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged["incremental_one_case"] = rows
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"written {out}")


def _finish(results: dict[str, Any], out: Path, candidate_sizes: list[int]) -> None:
    """Blocking-alone figures, growth exponents; merge into ``out`` (keys of this run replace old ones)."""
    results["candidates_only"] = []
    for n in candidate_sizes:
        results["candidates_only"].append(_child("candidates", str(n)))
        c = results["candidates_only"][-1]
        print(f"candidates alone {n:,}: {c['candidate_pairs']:,} pairs ({c['per_case']}/case), {c['wall_s']} s, "
              f"peak {c['peak_rss_mib']:,} MiB", flush=True)
    for key, rows in (("growth", results["link"]), ("candidates_growth", results["candidates_only"])):
        if len(rows) >= 2:
            results[key] = {"pairs_exponent": _growth(rows, "candidate_pairs"), "wall_exponent": _growth(rows, "wall_s"),
                            "meaning": "cost ~ cases^k between the smallest and largest size; k=1 is linear"}
            print(f"{key} exponents: pairs {results[key]['pairs_exponent']}, wall time {results[key]['wall_exponent']}")
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged.update({k: v for k, v in results.items() if v not in ([], None)})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
