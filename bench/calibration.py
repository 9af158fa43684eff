"""Calibration benchmark: are the link model's probabilities right on the pairs ``caselink link`` scores?

Generates synthetic cases with ``caselink.synth`` (a seed and period the shipped model never saw),
ingests them into a scratch store, scores every candidate pair with the model, and compares the
predicted probability with how often such pairs truly share an offender (the generator's full
truth, solved or not), in bins. Also reports the mean probability against the true link rate and
the expected calibration error.

    .venv/bin/python bench/calibration.py                         # 20,000 cases, seed 2, 2012-2020
    .venv/bin/python bench/calibration.py --cases 10000 --seed 11 --start 2012-01-01 --end 2013-01-01
    .venv/bin/python bench/calibration.py --model my-model.json

Writes ``bench/results/calibration.json`` (one entry per data set, keyed by its parameters).
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


def measure(cases: int, seed: int, start: str, end: str, model: str | None) -> dict[str, Any]:
    from caselink.candidates import candidate_pairs
    from caselink.compare import compare_pairs
    from caselink.linkage.link import build_table, load_cases, resolve_model
    from caselink.store import Store
    from caselink.synth import generate

    res = generate(cases, seed=seed, start=start, end=end)
    offenders = {k: set(v) for k, v in res.truth["case_offenders"].items()}
    with tempfile.TemporaryDirectory(prefix="caselink-calibration-") as tmp:
        path = Path(tmp) / "cases.jsonl"
        res.write_jsonl(path)
        with Store.open(Path(tmp) / "c.duckdb", user="bench") as store:
            store.ingest([path], run_hooks=False, show_progress=False)
            frame, entities = load_cases(store, purpose="calibration benchmark", command="bench")
    mdl = resolve_model(model)
    pairs = candidate_pairs(frame, entities=entities)
    p = mdl.score(compare_pairs(build_table(frame, entities), pairs.a, pairs.b)).probability
    ids = frame["case_id"].tolist()
    linked = np.array([bool(offenders.get(ids[i], set()) & offenders.get(ids[j], set()))
                       for i, j in zip(pairs.a, pairs.b, strict=True)])
    bins = []
    for lo, hi in zip(BINS[:-1], BINS[1:], strict=True):
        inside = (p >= lo) & ((p < hi) if hi < 1.0 else (p <= hi))
        if inside.any():
            bins.append({"from": lo, "to": hi, "pairs": int(inside.sum()), "mean_probability": round(float(p[inside].mean()), 4),
                         "linked_share": round(float(linked[inside].mean()), 4)})
    ece = sum(b["pairs"] * abs(b["mean_probability"] - b["linked_share"]) for b in bins) / max(len(p), 1)
    return {"cases": cases, "seed": seed, "period": [start, end], "model": f"{mdl.name} {mdl.version}",
            "candidate_pairs": int(len(p)), "linked_pairs": int(linked.sum()),
            "mean_probability": round(float(p.mean()), 6), "link_rate": round(float(linked.mean()), 6),
            "mean_over_rate": round(float(p.mean() / max(linked.mean(), 1e-12)), 3),
            "expected_calibration_error": round(float(ece), 5), "bins": bins}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--start", default="2012-01-01")
    parser.add_argument("--end", default="2020-01-01")
    parser.add_argument("--model", default=None, help="A model JSON (default: the shipped model).")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "calibration.json")
    opts = parser.parse_args()
    t0 = time.perf_counter()
    row = measure(opts.cases, opts.seed, opts.start, opts.end, opts.model)
    row["seconds"] = round(time.perf_counter() - t0, 1)
    for b in row["bins"]:
        print(f"p {b['from']:.2f}-{b['to']:.2f}: {b['pairs']:>9,} pairs, mean p {b['mean_probability']:.3f}, "
              f"linked {b['linked_share']:.3f}")
    print(f"mean p {row['mean_probability']:.5f} vs link rate {row['link_rate']:.5f} ({row['mean_over_rate']}x); "
          f"ECE {row['expected_calibration_error']}")
    merged = json.loads(opts.out.read_text()) if opts.out.exists() else {}
    merged[f"{opts.cases}-seed{opts.seed}-{opts.start}-{opts.end}-{row['model']}"] = row
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"written {opts.out}")


if __name__ == "__main__":
    main()
