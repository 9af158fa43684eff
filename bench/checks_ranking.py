"""Do the missed-action checks put what matters first? Figures on the demo store (issue 16).

Runs the checks (default rules, or --rules) over every case of a store built by ``caselink demo``
and prints: findings per case, where the planted Barking-like deaths' findings rank in the whole
list, "reporter not checked" findings on acquisitive crime, "exhibits not tested" on natural
deaths, and findings per rule.

    caselink demo --db /tmp/demo.duckdb && .venv/bin/python bench/checks_ranking.py --db /tmp/demo.duckdb
    # data the score weights were not set on: another seed, its planted series named by the truth file
    caselink synth --cases 3000 --seed 7 --out s7.jsonl --truth s7.truth.json && caselink ingest s7.jsonl --db s7.duckdb
    .venv/bin/python bench/checks_ranking.py --db s7.duckdb --truth s7.truth.json

Writes ``bench/results/checks_ranking.json``. The store is read from a copy (the checks write
their audit rows there), so the demo store is left as it was.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ACQUISITIVE = ("burglary", "robbery")


def _barking(truth: Path | None) -> list[str]:
    if truth is None:
        from caselink.synth.demo import barking_case_ids

        return barking_case_ids()
    offenders = json.loads(truth.read_text(encoding="utf-8"))["offenders"].values()
    return next(o["case_ids"] for o in offenders if o["kind"] == "planted_barking")


def measure(db: Path, rules_path: Path | None, truth: Path | None = None) -> dict[str, Any]:
    from caselink.checks import load_rules, run_checks
    from caselink.store import Store

    barking = _barking(truth)
    with tempfile.TemporaryDirectory(prefix="caselink-checks-") as tmp:
        copy = Path(tmp) / "store.duckdb"
        shutil.copy(db, copy)
        with Store.open(copy, user="bench") as store:
            n_cases = int(store.con.execute("SELECT count(*) FROM cases").fetchall()[0][0])
            kinds = dict(store.con.execute("SELECT case_id, incident_type || '/' || coalesce(classification, '-') "
                                           "FROM cases").fetchall())
            findings = run_checks(store, rules=load_rules(rules_path), purpose="bench: checks ranking")
    ranks = {cid: [i + 1 for i, f in enumerate(findings) if f.case_id == cid] for cid in barking}
    by_rule = Counter(f.rule_id for f in findings)
    return {
        "db": str(db), "cases": n_cases, "findings": len(findings),
        "findings_per_case": round(len(findings) / n_cases, 4),
        "cases_with_findings": len({f.case_id for f in findings}),
        "barking_cases": barking, "barking_best_rank": {c: (r[0] if r else None) for c, r in ranks.items()},
        "barking_in_top_10": sum(1 for r in ranks.values() if r and r[0] <= 10),
        "top_10": [{"case_id": f.case_id, "rule": f.rule_id, "score": f.score, "kind": kinds.get(f.case_id)}
                   for f in findings[:10]],
        "reporter_not_checked_on_acquisitive": sum(1 for f in findings if f.rule_id == "reporter-not-checked"
                                                   and kinds[f.case_id].split("/")[0] in ACQUISITIVE),
        "exhibits_not_tested_on_natural_deaths": sum(1 for f in findings if f.rule_id == "exhibits-not-tested"
                                                     and kinds[f.case_id] == "death/natural"),
        "by_rule": dict(by_rule.most_common()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="A store built by `caselink demo`.")
    parser.add_argument("--rules", type=Path, default=None, help="Rules file (default: the shipped rules).")
    parser.add_argument("--truth", type=Path, default=None,
                        help="Synth truth file naming the planted Barking-like series (default: the demo data's).")
    args = parser.parse_args()
    result = measure(args.db, args.rules, args.truth)
    print(f"{result['findings']} findings on {result['cases_with_findings']} of {result['cases']} cases: "
          f"{result['findings_per_case']:.3f} per case")
    print(f"Barking-like deaths: best rank {result['barking_best_rank']}; "
          f"{result['barking_in_top_10']} of {len(result['barking_cases'])} in the top 10")
    print(f"reporter-not-checked on burglary/robbery: {result['reporter_not_checked_on_acquisitive']}; "
          f"exhibits-not-tested on natural deaths: {result['exhibits_not_tested_on_natural_deaths']}")
    for f in result["top_10"]:
        print(f"  {f['score']:6.1f}  {f['case_id']}  {f['kind']:<24} {f['rule']}")
    for rule, n in result["by_rule"].items():
        print(f"  {n:5d}  {rule}")
    out = HERE / "results" / "checks_ranking.json"
    out.parent.mkdir(exist_ok=True)
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    runs = previous.get("runs", {}) if isinstance(previous.get("runs"), dict) else {}
    runs[args.db.name] = result
    out.write_text(json.dumps({"runs": runs}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
