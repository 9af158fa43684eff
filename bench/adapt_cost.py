"""What fitting the store's adapted model costs (``caselink train --unsupervised`` / ``link --full``).

For each size, generates synthetic cases (``caselink.synth``), ingests them into a scratch store
and times the stages: reading, candidate pairs and the CaseTable (shared with ``caselink link``,
which has them anyway on a full run) and the adaptation's own work (sampling candidate pairs,
comparing the sample and the random pairs, the EM, writing the model and its audit row).

    .venv/bin/python bench/adapt_cost.py --sizes 100000
    flock /tmp/caselink-heavy.lock .venv/bin/python bench/adapt_cost.py --sizes 1000000

Writes ``bench/results/adapt_cost.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def measure(cases: int, profile: str, seed: int) -> dict[str, Any]:
    from caselink.candidates import candidate_pairs
    from caselink.linkage.adapted import AdaptationRefused, fit_for_store
    from caselink.linkage.context import store_context_for
    from caselink.linkage.link import build_table, load_cases
    from caselink.store import Store
    from caselink.synth import generate

    purpose = "adaptation cost benchmark"
    with tempfile.TemporaryDirectory(prefix="caselink-adapt-") as tmp:
        path = Path(tmp) / "cases.jsonl"
        generate(cases, seed=seed, profile=profile).write_jsonl(path)
        with Store.open(Path(tmp) / "c.duckdb", user="bench") as store:
            store.ingest([path], run_hooks=False, show_progress=False)
            t0 = time.perf_counter()
            frame, entities = load_cases(store, purpose=purpose, command="bench")
            context = store_context_for(store, frame, entities, purpose=purpose, command="bench")
            pairs = candidate_pairs(frame, entities=entities)
            table = build_table(frame, entities, context)
            t1 = time.perf_counter()
            outcome = "kept"
            try:
                model = fit_for_store(store, table, pairs.a, pairs.b, command="bench", purpose=purpose)
                adaptation = model.adaptation or {}
            except AdaptationRefused as exc:
                outcome = f"refused: {exc}"[:300]
                row = store.con.execute("SELECT detail FROM audit_log WHERE action = 'administration' "
                                        "ORDER BY seq DESC LIMIT 1").fetchall()[0][0]
                adaptation = json.loads(row)
            t2 = time.perf_counter()
    return {"cases": cases, "profile": profile, "seed": seed, "candidate_pairs": int(len(pairs)),
            "shared_with_link_s": round(t1 - t0, 1), "adaptation_s": round(t2 - t1, 1),
            "em": adaptation.get("em"), "lambda": adaptation.get("lambda"), "outcome": outcome,
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument("--profile", default="london-deaths")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "adapt_cost.json")
    opts = parser.parse_args()
    merged = json.loads(opts.out.read_text()) if opts.out.exists() else {}
    for n in opts.sizes:
        row = measure(n, opts.profile, opts.seed)
        print(f"{n:,} cases ({opts.profile}): {row['candidate_pairs']:,} candidate pairs; load + candidates + table "
              f"{row['shared_with_link_s']} s (shared with link); adaptation {row['adaptation_s']} s "
              f"(EM {row['em']['iterations'] if row['em'] else '?'} iterations); {row['outcome'][:120]}; "
              f"peak {row['peak_rss_mib']} MiB")
        merged[f"{opts.profile}-{n}-seed{opts.seed}"] = row
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"written {opts.out}")


if __name__ == "__main__":
    main()
