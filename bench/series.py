"""Series benchmark: do ``caselink series`` groups match the true offenders, and how fast is it?

Quality: synthetic cases (``caselink.synth.generate``, a profile, seed and period) are ingested into
a scratch store as a user would (entities resolved, cases linked by the ingest) (the shipped default model unless
``--model``); ``series`` runs on the stored links at each ``--min-probability`` and is judged against
the generator's full truth with ``caselink.linkage.series_quality``: serial-case coverage (share of
serial cases in a series whose majority is their offender), purity (share of predicted series that
are pure), B-cubed precision/recall/F1, the all-alone floor, and how often a member at a stated confidence
belongs to its series' most common offender. ``--demo`` also runs the bundled
demo data and says whether its four planted deaths form one series.

Speed: ``partition`` on synthetic link graphs (every case with five weak partners, a quarter of
cases in planted series with half their within-series pairs linked) at ``--scale-cases`` sizes;
seconds and microseconds per link (median of ``--repeats``).

    .venv/bin/python bench/series.py                                 # london-deaths 5,000 cases + demo
    .venv/bin/python bench/series.py --profile city-acquisitive --cases 5000 --seed 3
    .venv/bin/python bench/series.py --adapt --no-demo          # with the store's adapted model
    flock /tmp/caselink-heavy.lock .venv/bin/python bench/series.py --no-quality --scale-cases 10000 100000 1000000

Writes ``bench/results/series.json`` (entries keyed by their parameters, merged with earlier runs).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent


def _generate(profile: str, cases: int, seed: int, start: str | None, end: str | None) -> Any:
    from caselink.synth import generate

    return generate(cases, seed=seed, profile=profile, start=start, end=end)


def _judge(store: Any, truth: dict[str, Any], case_ids: list[str], min_probability: float) -> dict[str, Any]:
    from caselink.linkage.series import series
    from caselink.linkage.series_quality import series_quality

    t0 = time.perf_counter()
    found = series(store, min_probability=min_probability, purpose="series benchmark", command="bench")
    seconds = time.perf_counter() - t0
    q = series_quality([s["case_ids"] for s in found], truth, case_ids)
    sizes = [len(s["case_ids"]) for s in found]
    return {"min_probability": min_probability, **q.as_dict(), "largest": max(sizes, default=0),
            "series_seconds": round(seconds, 3), "member_confidence": member_calibration(found, truth)}


def member_calibration(found: list[dict[str, Any]], truth: dict[str, Any]) -> list[dict[str, Any]]:
    """Stated member confidence against the share of members whose offender is the series' most
    common one, in bins: does a member at 0.99 belong 99% of the time?"""
    from collections import Counter

    stated, belongs = [], []
    for s in found:
        offenders = {c: set(truth.get(c) or [f"alone:{c}"]) for c in s["case_ids"]}
        top = Counter(o for v in offenders.values() for o in v).most_common(1)[0][0]
        for m in s.get("members") or [{"case_id": c, "confidence": s["confidence"]} for c in s["case_ids"]]:
            stated.append(m["confidence"])
            belongs.append(top in offenders[m["case_id"]])
    p, ok = np.asarray(stated), np.asarray(belongs)
    out = []
    for lo, hi in ((0.0, 0.8), (0.8, 0.95), (0.95, 0.99), (0.99, 1.01)):
        inside = (p >= lo) & (p < hi)
        if inside.any():
            out.append({"from": lo, "to": min(hi, 1.0), "members": int(inside.sum()),
                        "mean_confidence": round(float(p[inside].mean()), 4),
                        "belong_share": round(float(ok[inside].mean()), 4)})
    return out


def quality(profile: str, cases: int, seed: int, start: str | None, end: str | None, model: str | None,
            levels: list[float], adapt: bool = False) -> dict[str, Any]:
    from caselink.linkage.adapted import adapt_store
    from caselink.linkage.link import link
    from caselink.store import Store

    res = _generate(profile, cases, seed, start, end)
    truth = res.truth["case_offenders"]
    with tempfile.TemporaryDirectory(prefix="caselink-series-") as tmp:
        path = Path(tmp) / "cases.jsonl"
        res.write_jsonl(path)
        with Store.open(Path(tmp) / "s.duckdb", user="bench") as store:
            store.ingest([path], show_progress=False)  # as a user does: entities resolved, cases linked
            if adapt:  # the store's own model, fitted without labels, then every pair rescored with it
                adapt_store(store, purpose="series benchmark", command="bench")  # as train --unsupervised: solved series held
            report = link(store, purpose="series benchmark", model=model, full=model is not None or adapt)
            stored = int(store.con.execute("SELECT count(*) FROM links").fetchone()[0])
            used = store.con.execute("SELECT any_value(model_name || ' ' || model_version) FROM links").fetchone()[0]
            case_ids = [str(c) for (c,) in store.con.execute("SELECT case_id FROM cases").fetchall()]
            rows = [_judge(store, truth, case_ids, m) for m in levels]
    return {"profile": profile, "cases": cases, "seed": seed, "period": [start, end], "adapted": adapt,
            "model": used or f"{report.model_name} {report.model_version}", "stored_links": stored,
            "by_min_probability": rows}


def demo(levels: list[float]) -> dict[str, Any]:
    """The bundled demo data: quality, and whether the four planted deaths form one series."""
    from caselink.linkage.link import link
    from caselink.linkage.series import series
    from caselink.store import Store
    from caselink.synth.demo import barking_case_ids, demo_path, demo_result

    deaths = set(barking_case_ids())
    truth = demo_result().truth["case_offenders"]
    out: dict[str, Any] = {"data": "bundled demo (2,000 cases, seed 2014)", "by_min_probability": []}
    with tempfile.TemporaryDirectory(prefix="caselink-series-demo-") as tmp, \
            Store.open(Path(tmp) / "d.duckdb", user="bench") as store:
        store.ingest([demo_path()], show_progress=False)  # as a user does: entities resolved, cases linked
        link(store, purpose="series benchmark")
        out["stored_links"] = int(store.con.execute("SELECT count(*) FROM links").fetchone()[0])
        case_ids = [str(c) for (c,) in store.con.execute("SELECT case_id FROM cases").fetchall()]
        for m in levels:
            row = _judge(store, truth, case_ids, m)
            found = series(store, min_probability=m, purpose="series benchmark", command="bench")
            holding = [s for s in found if deaths & set(s["case_ids"])]
            row["planted_deaths"] = [{"case_ids": s["case_ids"], "confidence": s["confidence"],
                                      "deaths": len(deaths & set(s["case_ids"]))} for s in holding]
            row["planted_deaths_one_series"] = len(holding) == 1 and deaths <= set(holding[0]["case_ids"])
            out["by_min_probability"].append(row)
    return out


def synthetic_graph(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Links of ``n`` cases: five weak partners each, plus half the pairs of planted series."""
    a = np.repeat(np.arange(n), 5)
    b = rng.integers(0, n, len(a))
    lo = rng.normal(-5.0, 1.5, len(a))
    serial = rng.permutation(n)[: n // 4]
    sizes = rng.integers(2, 11, len(serial))
    ends = np.cumsum(sizes)
    groups = np.split(serial, ends[ends < len(serial)])
    sa, sb = [], []
    for g in groups:
        if len(g) >= 2:
            i, j = np.triu_indices(len(g), 1)
            keep = rng.random(len(i)) < 0.5
            sa.append(g[i[keep]])
            sb.append(g[j[keep]])
    sa_, sb_ = np.concatenate(sa), np.concatenate(sb)
    return (np.r_[a, sa_], np.r_[b, sb_], np.r_[lo, rng.normal(0.5, 2.0, len(sa_))])


def scaling(sizes: list[int], repeats: int) -> list[dict[str, Any]]:
    from caselink.linkage.partition import partition

    rows = []
    for n in sizes:
        a, b, lo = synthetic_graph(n, np.random.default_rng(n))
        times, found = [], None
        for _ in range(repeats if n < 1_000_000 else 1):
            t0 = time.perf_counter()
            found = partition(a, b, lo, n)
            times.append(time.perf_counter() - t0)
        sec = float(np.median(times))
        assert found is not None
        rows.append({"cases": n, "links": int(len(a)), "seconds": round(sec, 3),
                     "us_per_link": round(sec / len(a) * 1e6, 3), "rounds": found.rounds,
                     "series": int(found.label.max(initial=-1) + 1)})
        print(f"partition {n:>9,} cases {len(a):>10,} links: {sec:.2f} s ({rows[-1]['us_per_link']} us/link, "
              f"{found.rounds} rounds)", flush=True)
    return rows


def _show(label: str, rows: list[dict[str, Any]]) -> None:
    for r in rows:
        extra = f"  deaths one series: {r['planted_deaths_one_series']}" if "planted_deaths_one_series" in r else ""
        print(f"{label} p>={r['min_probability']}: {r['predicted_series']} series (largest {r['largest']}), "
              f"coverage {r['coverage']:.3f} of {r['serial_cases']} serial cases, purity {r['purity']:.3f}, "
              f"B-cubed P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.4f} "
              f"(all alone {r['alone_f1']:.4f}){extra}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="london-deaths")
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", default=None, help="Default: the profile's period.")
    parser.add_argument("--end", default=None)
    parser.add_argument("--adapt", action="store_true",
                        help="Fit the store's adapted model as train --unsupervised does (EM, solved series held) and relink with it.")
    parser.add_argument("--model", default=None, help="A model JSON (default: the shipped model).")
    parser.add_argument("--min-probability", type=float, nargs="+", default=[0.5, 0.7, 0.9])
    parser.add_argument("--no-quality", action="store_true", help="Only the speed figures.")
    parser.add_argument("--demo", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--scale-cases", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "series.json")
    opts = parser.parse_args()
    report: dict[str, Any] = {}
    if not opts.no_quality:
        row = quality(opts.profile, opts.cases, opts.seed, opts.start, opts.end, opts.model, opts.min_probability,
                      opts.adapt)
        _show(f"{opts.profile} {opts.cases} seed {opts.seed} {row['model']} ({row['stored_links']} stored links)",
              row["by_min_probability"])
        key = (f"{opts.profile}-{opts.cases}-seed{opts.seed}-{opts.start or 'default'}-{opts.end or 'period'}-"
               f"{row['model']}{'-adapted' if opts.adapt else ''}")
        report.setdefault("quality", {})[key] = row
        if opts.demo:
            report["demo"] = demo(opts.min_probability)
            _show("demo", report["demo"]["by_min_probability"])
    if opts.scale_cases:
        report["scaling"] = scaling(opts.scale_cases, opts.repeats)
    report["load_average"] = list(os.getloadavg())
    merged: dict[str, Any] = json.loads(opts.out.read_text()) if opts.out.exists() else {}  # read late: runs may overlap
    merged.update({k: v for k, v in report.items() if k != "quality"})
    merged.setdefault("quality", {}).update(report.get("quality", {}))
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"wrote {opts.out}")


if __name__ == "__main__":
    main()
