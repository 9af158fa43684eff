"""The crimelinkage baseline, re-implemented and judged by ``caselink evaluate``'s own protocol.

The issue quotes the R package crimelinkage (logistic AUC 0.893) and "a straight Python
reproduction of the same baseline" (AUC 0.896, hit@10 0.85) as peers. Figures are only comparable
when measured the same way, so this script rebuilds that baseline from the package's documented
method and runs it through ``caselink.evaluate.evaluate`` with a ``fitter``: the same 20
group-disjoint splits, the same training and test pairs, the same series ranking, side by side
with caselink's own models.

The baseline (written here from the package's documentation, no code of its own is used):

- evidence per pair as ``compareCrimes(binary=TRUE)`` defines it: distance (km), expected
  absolute time gap (days), expected circular time-of-day gap (hours) and day-of-week gap (days,
  with the package's start time counted twice, as it does), and one 0/1 match per MO field,
  where two missing values count as a match, as they do there;
- the expected gaps by Monte Carlo over the two time intervals, as the package does (a fixed
  number of draws with a fixed seed, so runs repeat);
- an unpenalised logistic regression on those seven columns, weighted like the training pairs
  (the vignette's ``glm(..., weights=weight)``; its AIC ``step()`` is not repeated).

    .venv/bin/python bench/crimelinkage_baseline.py                  # 5 folds x 4 repeats, seed 0
    .venv/bin/python bench/crimelinkage_baseline.py --repeats 1      # quicker

Writes ``bench/results/crimelinkage_baseline.json``.
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
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "crimelinkage"
COLUMNS = ("spatial", "temporal", "tod", "dow", "MO1", "MO2", "MO3")
DRAWS = 400

FloatArray = npt.NDArray[np.float64]


def load_table(data: Path) -> Any:
    """The crimelinkage crimes as caselink reads them: imported into a scratch store."""
    from caselink.compare import CaseTable
    from caselink.store import Store

    with tempfile.TemporaryDirectory(prefix="caselink-baseline-") as tmp, \
            Store.open(Path(tmp) / "cl.duckdb", user="bench") as store:
        store.ingest([data], fmt="crimelinkage", run_hooks=False, show_progress=False)
        frame = store.frame(list(CaseTable.COLUMNS), purpose="crimelinkage baseline benchmark", command="bench")
    return CaseTable.from_frame(frame)


def _circ(a: FloatArray, b: FloatArray, period: float) -> FloatArray:
    d = np.mod(a - b, period)
    return np.minimum(d, period - d)


def evidence(table: Any, draws: int = DRAWS, seed: int = 2) -> FloatArray:
    """Every pair's seven baseline columns, as a (cases x cases x 7) array."""
    n = len(table)
    x, y = table.x, table.y
    start, width = table.t_from, (table.t_to - table.t_from)  # days since 1970-01-01 (UTC)
    tod0 = np.mod(start, 1.0) * 24.0
    dow0 = np.mod(np.floor(start) + 4.0, 7.0) + tod0 / 24.0  # 1970-01-01 was a Thursday (Sun = 0)
    out = np.zeros((n, n, len(COLUMNS)))
    out[..., 0] = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]) / 1000.0
    rng = np.random.default_rng(seed)
    for _ in range(draws):
        h = rng.random(n) * width * 24.0  # hours after the start
        tod = tod0 + h
        dow = np.mod(dow0 + tod / 24.0, 7.0)  # the package adds the time of day a second time here
        t = start + h / 24.0
        out[..., 1] += np.abs(t[:, None] - t[None, :])
        out[..., 2] += _circ(np.mod(tod, 24.0)[:, None], np.mod(tod, 24.0)[None, :], 24.0)
        out[..., 3] += _circ(dow[:, None], dow[None, :], 7.0)
    out[..., 1:4] /= draws
    mo = _mo_codes(table)
    for k in range(3):
        a, b = mo[:, k][:, None], mo[:, k][None, :]
        out[..., 4 + k] = ((a == b) & (a >= 0)) | ((a < 0) & (b < 0))  # missing == missing is a match there
    return out


def _mo_codes(table: Any) -> npt.NDArray[np.int64]:
    """Value id of mo1..mo3 per case (-1 when missing)."""
    col = table.circumstances
    keys = {v.split(":", 1)[0] for v in col.vocab if ":" in v}
    order = {k: j for j, k in enumerate(sorted(keys))}
    assert list(order) == ["mo1", "mo2", "mo3"], f"not the crimelinkage MO fields: {sorted(keys)}"
    codes = np.full((len(table), 3), -1, dtype=np.int64)
    for i, row in enumerate(col.ids):
        for v in row[row >= 0]:
            codes[i, order[col.vocab[v].split(":", 1)[0]]] = v
    return codes


class Baseline:
    """A fitted baseline: scores pairs by looking their evidence up in the precomputed array."""

    def __init__(self, ev: FloatArray, coef: FloatArray, intercept: float) -> None:
        self.ev, self.coef, self.intercept = ev, coef, intercept

    def score(self, features: Any) -> Any:
        from caselink.model.additive import Scores

        lo = self.ev[features.a, features.b] @ self.coef + self.intercept
        return Scores(1.0 / (1.0 + np.exp(-lo)), lo)


def fitter(ev: FloatArray) -> Any:
    from sklearn.linear_model import LogisticRegression

    from caselink.training import make_pairs

    def fit(table: Any, rows: Any, seed: int) -> Baseline:
        pairs = make_pairs(table, rows, seed=seed)
        lr = LogisticRegression(C=np.inf, max_iter=10_000)
        w = pairs.weight * (len(pairs.weight) / pairs.weight.sum())
        lr.fit(ev[pairs.a, pairs.b], pairs.linked, sample_weight=w)
        return Baseline(ev, lr.coef_[0], float(lr.intercept_[0]))

    return fit


def headline(result: dict[str, Any]) -> dict[str, Any]:
    return {"auc": result["pairwise"]["auc"]["mean"], "auc_sd": result["pairwise"]["auc"]["sd"],
            "auprc": result["pairwise"]["auprc"]["mean"], "hit_at_1": result["series"]["hit_at_1"],
            "hit_at_10": result["series"]["hit_at_10"], "mrr": result["series"]["mrr"],
            "held_out_hit_at_1": result["series_held_out"]["hit_at_1"],
            "held_out_hit_at_10": result["series_held_out"]["hit_at_10"],
            "held_out_mrr": result["series_held_out"]["mrr"]}


def arguments(description: str, out_name: str) -> argparse.Namespace:
    """The options every crimelinkage accuracy bench takes: data, evaluate's protocol, output."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "results" / out_name)
    return parser.parse_args()


def show(label: str, figures: dict[str, Any]) -> None:
    print(f"{label} " + "  ".join(f"{k} {v:.4f}" for k, v in figures.items()), flush=True)


def write_report(out: Path, report: dict[str, Any], started: float) -> None:
    """``report`` with the run's seconds and load average, as JSON at ``out``."""
    report = {**report, "seconds": round(time.perf_counter() - started, 1), "load_average": list(os.getloadavg())}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")


def main() -> None:
    args = arguments(__doc__.split("\n")[0], "crimelinkage_baseline.json")
    from caselink.evaluate import evaluate

    started = time.perf_counter()
    table = load_table(args.data)
    ev = evidence(table)
    protocol = {"folds": args.folds, "repeats": args.repeats, "seed": args.seed}
    rows: dict[str, Any] = {}
    for linkage in ("sum", "mean", "max"):
        for name, kind, fit in (("baseline logistic", "baseline", fitter(ev)),
                                ("caselink learned", "learned", None), ("caselink bayes", "bayes", None)):
            result = evaluate(table, kind, series_linkage=linkage, fitter=fit, **protocol)
            rows.setdefault(linkage, {})[name] = headline(result)
            show(f"{linkage:>4}  {name:<18}", headline(result))
    write_report(args.out, {"protocol": {**protocol, "group_disjoint": True, "splits": args.folds * args.repeats,
                                         "series_unit": "offender"},
                            "series_linkage": rows, "evidence_draws": DRAWS}, started)

if __name__ == "__main__":
    main()
