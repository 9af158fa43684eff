"""Calibration benchmark: are the link model's probabilities right on the pairs ``caselink link`` scores?

For each synthetic profile (``caselink.synth``: a seed the shipped model never saw), ingests the
cases into a scratch store, scores every candidate pair and compares the stated probability with
how often such pairs truly share an offender (the generator's full truth, solved or not): mean
probability over the true link rate (target 0.8-1.25x), stated against observed in each
probability decile (0-0.1, ..., 0.9-1; target within +-0.1), and the expected calibration error
over those deciles. With ``--adapt`` it does the same for the store-adapted model
(``caselink.model.unsupervised.adapt``: EM with no labels, series_ids unused), fitted on half
of the candidate pairs (at most ``--sample``) and judged on the other half, and reports whether
``caselink train --unsupervised`` would keep it (``credibility``) and what the fit cost.

    .venv/bin/python bench/calibration.py                                   # both profiles, 20,000 cases
    .venv/bin/python bench/calibration.py --profile city-acquisitive --adapt
    .venv/bin/python bench/calibration.py --model my-model.json --cases 10000 --seed 11

Writes ``bench/results/calibration.json`` (one entry per data set and model).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
BINS = (0.0, 0.01, 0.05, 0.1, 0.2, 0.5, 0.8, 1.0)


def calibration(p: np.ndarray, linked: np.ndarray) -> dict[str, Any]:
    """Mean p / rate, the BINS table, and stated vs observed per probability decile with its ECE."""
    bins = []
    for lo, hi in zip(BINS[:-1], BINS[1:], strict=True):
        inside = (p >= lo) & ((p < hi) if hi < 1.0 else (p <= hi))
        if inside.any():
            bins.append({"from": lo, "to": hi, "pairs": int(inside.sum()), "mean_probability": round(float(p[inside].mean()), 4),
                         "linked_share": round(float(linked[inside].mean()), 4)})
    decile = np.minimum((p * 10).astype(int), 9)
    deciles, ece = [], 0.0
    for k in range(10):
        inside = decile == k
        if inside.any():
            stated, seen = float(p[inside].mean()), float(linked[inside].mean())
            ece += inside.sum() * abs(stated - seen)
            deciles.append({"decile": f"{k / 10:.1f}-{(k + 1) / 10:.1f}", "pairs": int(inside.sum()),
                            "stated": round(stated, 4), "observed": round(seen, 4),
                            "within_0.1": abs(stated - seen) <= 0.1})
    rate = float(linked.mean())
    ratio = float(p.mean() / max(rate, 1e-12))
    return {"pairs": int(len(p)), "linked_pairs": int(linked.sum()), "mean_probability": round(float(p.mean()), 6),
            "link_rate": round(rate, 6), "mean_over_rate": round(ratio, 3),
            "mean_over_rate_met": 0.8 <= ratio <= 1.25, "deciles_met": all(d["within_0.1"] for d in deciles),
            "expected_calibration_error": round(float(ece / max(len(p), 1)), 5), "deciles": deciles, "bins": bins}


def store_pairs(profile: str, cases: int, seed: int) -> tuple[Any, Any, np.ndarray]:
    """(whole-store CaseTable as `caselink link` builds it, candidate pairs, true link of each pair)."""
    from caselink.candidates import candidate_pairs
    from caselink.linkage.context import store_context_for
    from caselink.linkage.link import build_table, load_cases
    from caselink.store import Store
    from caselink.synth import generate

    res = generate(cases, seed=seed, profile=profile)
    offenders = {k: set(v) for k, v in res.truth["case_offenders"].items()}
    with tempfile.TemporaryDirectory(prefix="caselink-calibration-") as tmp:
        path = Path(tmp) / "cases.jsonl"
        res.write_jsonl(path)
        with Store.open(Path(tmp) / "c.duckdb", user="bench") as store:
            store.ingest([path], run_hooks=False, show_progress=False)
            frame, entities = load_cases(store, purpose="calibration benchmark", command="bench")
            context = store_context_for(store, frame, entities, purpose="calibration benchmark", command="bench")
    pairs = candidate_pairs(frame, entities=entities)
    table = build_table(frame, entities, context)
    ids = frame["case_id"].tolist()
    linked = np.array([bool(offenders.get(ids[i], set()) & offenders.get(ids[j], set()))
                       for i, j in zip(pairs.a, pairs.b, strict=True)])
    return table, pairs, linked


def adapted(base: Any, table: Any, pairs: Any, sample: int, seed: int) -> tuple[Any, np.ndarray, dict[str, Any]]:
    """The adapted model fitted on half the candidate pairs (no labels), the other half's rows, and its cost."""
    from caselink.compare import compare_pairs
    from caselink.model.unsupervised import DEFAULT_RANDOM, adapt, credibility

    rng = np.random.default_rng(seed)
    half = rng.random(len(pairs)) < 0.5
    fit_rows = np.flatnonzero(half)
    if len(fit_rows) > sample:
        fit_rows = np.sort(rng.choice(fit_rows, sample, replace=False))
    t0 = time.perf_counter()
    cand = compare_pairs(table, pairs.a[fit_rows], pairs.b[fit_rows])
    ra, rb = rng.integers(0, len(table), DEFAULT_RANDOM), rng.integers(0, len(table), DEFAULT_RANDOM)
    rand = compare_pairs(table, ra[ra != rb], rb[ra != rb])
    t1 = time.perf_counter()
    model = adapt(base, cand, rand)
    t2 = time.perf_counter()
    cost = {"compare_seconds": round(t1 - t0, 2), "em_seconds": round(t2 - t1, 2), "sampled_pairs": int(len(fit_rows)),
            "lambda": model.adaptation["lambda"], "em": model.adaptation["em"],
            "tilts": {g: v["tilt"] for g, v in model.adaptation["groups"].items()},
            "refused_by_train": credibility(model, len(table), len(pairs))}
    return model, np.flatnonzero(~half), cost


def measure(profile: str, cases: int, seed: int, model: str | None, adapt: bool, sample: int) -> list[dict[str, Any]]:
    from caselink.compare import compare_pairs
    from caselink.linkage.link import resolve_model

    table, pairs, linked = store_pairs(profile, cases, seed)
    base = resolve_model(model)
    rows = []
    judged = np.arange(len(pairs))
    held = None
    if adapt:
        fitted, held, cost = adapted(base, table, pairs, sample, seed)
    for mdl, rows_of, extra in [(base, judged, {})] + ([(fitted, held, cost)] if adapt else []):
        p = np.concatenate([mdl.score(compare_pairs(table, pairs.a[c], pairs.b[c])).probability
                            for c in np.array_split(rows_of, max(1, len(rows_of) // 500_000))])
        row = {"profile": profile, "cases": cases, "seed": seed, "model": f"{mdl.name} {mdl.version}",
               "base_trained_on": base.trained_on.get("source", "")[:80],
               "judged_on": "every candidate pair" if mdl is base else "the half of candidate pairs the EM never saw",
               "candidate_pairs": int(len(pairs)), **calibration(p, linked[rows_of]), **extra}
        rows.append(row)
    return rows


def show(row: dict[str, Any]) -> None:
    print(f"\n{row['profile']} {row['cases']:,} cases seed {row['seed']}, model {row['model']} ({row['judged_on']})")
    for d in row["deciles"]:
        print(f"  p {d['decile']}: {d['pairs']:>9,} pairs, stated {d['stated']:.3f}, observed {d['observed']:.3f}"
              f"{'' if d['within_0.1'] else '  (off by more than 0.1)'}")
    print(f"  mean p {row['mean_probability']:.5f} vs link rate {row['link_rate']:.5f} ({row['mean_over_rate']}x, "
          f"target 0.8-1.25: {'met' if row['mean_over_rate_met'] else 'NOT met'}); ECE {row['expected_calibration_error']}")
    if "em_seconds" in row:
        print(f"  EM: lambda {row['lambda']:.6f}, {row['em']['iterations']} iterations, converged {row['em']['converged']}, "
              f"{row['sampled_pairs']:,} pairs, {row['compare_seconds']} s compare + {row['em_seconds']} s EM; "
              f"train --unsupervised would {'refuse it: ' + row['refused_by_train'] if row['refused_by_train'] else 'keep it'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", action="append", default=None,
                        help="Synthetic profile (repeatable; default london-deaths and city-acquisitive).")
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--model", default=None, help="A model JSON (default: the shipped model).")
    parser.add_argument("--adapt", action="store_true", help="Also fit and judge the store-adapted model.")
    parser.add_argument("--sample", type=int, default=1_000_000, help="Candidate pairs the EM samples at most.")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "calibration.json")
    opts = parser.parse_args()
    merged = json.loads(opts.out.read_text()) if opts.out.exists() else {}
    for profile in opts.profile or ["london-deaths", "city-acquisitive"]:
        t0 = time.perf_counter()
        for row in measure(profile, opts.cases, opts.seed, opts.model, opts.adapt, opts.sample):
            row["seconds"] = round(time.perf_counter() - t0, 1)
            show(row)
            merged[f"{profile}-{opts.cases}-seed{opts.seed}-{row['model']}"] = row
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"written {opts.out}")


if __name__ == "__main__":
    main()
