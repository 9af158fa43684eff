"""What shared entities add to linkage, on synthetic series where offenders appear in some of
their own cases (as the caller, a witness or an associate).

The same cases are evaluated three ways with ``caselink.evaluate.evaluate`` (group-disjoint
cross-validation of the learned model; labels: every true series from the generator's truth,
solved or not): without entity evidence, with raw entity values (exact text, as before issue 8),
and with resolved entities.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any


def linkage_gain(n_cases: int = 5000, seed: int = 0, *, folds: int = 5, repeats: int = 1,
                 kind: str = "learned") -> dict[str, Any]:
    """Pairwise AUC/AUPRC and series hit rates with and without shared-entity evidence."""
    from caselink.compare import CaseTable
    from caselink.entities.evidence import linkage_frame
    from caselink.entities.stored import resolve_store
    from caselink.evaluate import evaluate
    from caselink.ingest.pipeline import ingest
    from caselink.store import Store
    from caselink.synth import generate

    res = generate(n_cases, seed=seed)
    truth = res.truth["case_offenders"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.jsonl"
        res.write_jsonl(path)
        with Store.open(Path(tmp) / "eval.duckdb", user="entities-eval") as store:
            ingest(store, [path], run_hooks=False, show_progress=False)
            raw = store.con.execute("SELECT case_id, kind, value FROM case_entities").df()
            resolve_store(store, purpose="entity linkage evaluation (synthetic)", command="entities evaluate")
            resolved = linkage_frame(store.con)
            frame = store.frame(list(CaseTable.COLUMNS), purpose="entity linkage evaluation (synthetic)",
                                command="entities evaluate")
    base = CaseTable.from_frame(frame)
    base = replace(base, series=[tuple(sorted(truth.get(str(c), ()))) for c in base.case_ids])
    out: dict[str, Any] = {"cases": n_cases, "seed": seed, "model": kind, "labels": "all true series (truth)"}
    for name, table in (("no_entities", base), ("raw_entities", base.with_entities(raw)),
                        ("resolved_entities", base.with_entities(resolved))):
        summary = evaluate(table, kind, folds=folds, repeats=repeats, seed=seed)
        out[name] = {"auc": summary["pairwise"]["auc"]["mean"], "auprc": summary["pairwise"]["auprc"]["mean"],
                     "hit_at_1": summary["series"]["hit_at_1"], "mrr": summary["series"]["mrr"]}
    return out
