"""Evaluation with group-disjoint cross-validation, repeated.

Cases are grouped into connected co-offending groups (``training.crime_groups``); each split puts
whole groups in test, so no case and no co-offending group is in both train and test. The model is
fitted on pairs among the training cases only and judged on:

- **pairwise**: ROC AUC and AUPRC on the test pairs (built like the training pairs: all linked
  pairs plus sampled unlinked ones), unweighted;
- **recall_at_k**: for each test case that has a linked case, the share of its linked cases
  found in its top k when it is scored against every other case in the table;
- **series**: for each such test case, every known series (offender) is scored against it, with
  the case itself left out, by ``series_linkage`` over the pair log-odds ("max", or "mean" =
  log of the mean Bayes factor, as crimelinkage's average linkage); hit@1, hit@10 and MRR of its
  true series (the best-ranked one when it has several);
- **series_held_out**: the same ranking with only the held-out fold's series as candidates (the
  textbook held-out protocol: the true series is always among them, since splits are
  group-disjoint, and the training series are left out); it is never worse than ``series``, which
  is the harder, realistic question an analyst asks of the whole store;
- **series clustering** (``bcubed``): every pair of test cases is scored, probabilities are
  calibrated to the link rate among all pairs of the training cases (an intercept shift, fitted
  on training cases only), the pairs are clustered with the linkage stage's own
  ``cluster_links`` at ``min_probability``, and the clusters are judged against the test cases'
  co-offending groups by B-cubed precision, recall and F1 (cases in no cluster are singletons).

Unsolved cases stay in the table: they are candidates when ranking, and they count for the
density context features (which use no labels).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from caselink.compare import CaseTable, Features, compare_pairs
from caselink.errors import ModelError
from caselink.linkage.series_quality import bcubed
from caselink.model import LinkModel, fit_bayes, fit_learned
from caselink.model.additive import Scores
from caselink.training import crime_groups, linked_pairs, make_pairs, match_rate_shift

IntArray = npt.NDArray[np.intp]
KS = (1, 5, 10, 20)


class Scorer(Protocol):
    """Anything that scores compared pairs like a ``LinkModel`` (e.g. a reference baseline)."""

    def score(self, features: Features) -> Scores: ...


#: fits a scorer on the training rows of one split: (table, train_rows, seed) -> scorer
Fitter = Callable[[CaseTable, "IntArray", int], Scorer]


@dataclass(frozen=True)
class SplitResult:
    auc: float
    auprc: float
    recall_at_k: dict[int, float]
    ranks: list[int]  # rank (1 = first) of the true series for each test query
    held_out_ranks: list[int] = field(default_factory=list)  # same, among the test fold's series
    bcubed: tuple[float, float, float] = (float("nan"),) * 3  # precision, recall, F1 of clustering
    bcubed_singletons_f1: float = float("nan")  # F1 of leaving every test case alone (the floor)


def group_folds(groups: IntArray, folds: int, rng: np.random.Generator) -> IntArray:
    """Fold of each group: groups shuffled, then largest first into the emptiest fold."""
    labels, sizes = np.unique(groups[groups >= 0], return_counts=True)
    order = rng.permutation(len(labels))
    order = order[np.argsort(-sizes[order], kind="stable")]
    load = np.zeros(folds)
    fold_of = np.empty(len(labels), dtype=np.intp)
    for k in order:
        f = int(np.argmin(load + rng.random(folds) * 1e-9))
        fold_of[k] = f
        load[f] += sizes[k]
    out = np.full(len(groups), -1, dtype=np.intp)
    mask = groups >= 0
    out[mask] = fold_of[np.searchsorted(labels, groups[mask])]
    return out


def fit(kind: str, table: CaseTable, rows: IntArray, seed: int, weighted: bool = True,
        options: dict[str, Any] | None = None) -> LinkModel:
    """Fit a model of ``kind`` on pairs among ``rows``.

    ``options`` go to ``fit_bayes``/``fit_learned``, except these pair-building ones used when
    comparing variants: ``near`` (hard unlinked pairs per case), ``per_group`` (unlinked samples
    per group), ``weight_power`` (linked weights ** p) and ``drop`` (feature names to leave out).
    """
    opts = dict(options or {})
    pairs = make_pairs(table, rows, seed=seed, near=int(opts.pop("near", 0)),
                       per_group=int(opts.pop("per_group", 40)))
    feats = compare_pairs(table, pairs.a, pairs.b)
    w = pairs.weight ** float(opts.pop("weight_power", 1.0)) if weighted else None
    drop = set(opts.pop("drop", []))
    if drop:
        from caselink.compare import Features
        keep = [j for j, n in enumerate(feats.names) if n not in drop]
        feats = Features([feats.names[j] for j in keep], feats.values[:, keep], table, feats.a, feats.b)
    if kind == "bayes":
        return fit_bayes(feats.values, feats.names, pairs.linked, w, **opts)
    if kind == "learned":
        return fit_learned(feats.values, feats.names, pairs.linked, w, **opts)
    raise ModelError(f"unknown model kind {kind!r}: use 'bayes' or 'learned'")


def _membership(series: Sequence[Sequence[str]]) -> tuple[list[str], Any]:
    """Sparse (cases x series) 0/1 matrix of who belongs to which series."""
    from scipy.sparse import csr_matrix

    names = sorted({s for ss in series for s in ss})
    index = {s: k for k, s in enumerate(names)}
    rows = [i for i, ss in enumerate(series) for _ in ss]
    cols = [index[s] for ss in series for s in ss]
    return names, csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(series), len(names)))


def _series_scores(log_odds: npt.NDArray[np.float64], member: Any, how: str) -> npt.NDArray[np.float64]:
    """Score of every series for each query row of ``log_odds`` (queries x cases; -inf = left out)."""
    top = log_odds.max(axis=1, keepdims=True)
    odds = np.exp(log_odds - top)
    total = np.asarray((member.T @ odds.T).T)
    size = np.asarray((member.T @ np.isfinite(log_odds).T.astype(np.float64)).T)
    with np.errstate(divide="ignore"):
        if how == "sum":
            out = top + np.log(total)
        elif how == "mean":
            out = top + np.log(total / np.maximum(size, 1.0))
        elif how == "max":
            out = np.full(total.shape, -np.inf)
            coo = member.tocoo()
            for k in range(log_odds.shape[0]):
                np.maximum.at(out[k], coo.col, log_odds[k, coo.row])
        else:
            raise ModelError(f"unknown series linkage {how!r}: use sum, max or mean")
    out[size == 0] = -np.inf
    return np.asarray(out, dtype=np.float64)


def link_rate_shift(model: Scorer, table: CaseTable, rows: IntArray, rng: np.random.Generator,
                    sample: int = 100_000) -> float:
    """Intercept shift that makes the mean probability over *all* pairs of the solved cases in
    ``rows`` equal their link rate (every linked pair scored, unlinked pairs sampled)."""
    series = table.series
    rows = np.asarray([i for i in rows if series[i]], dtype=np.intp)
    m = len(rows)
    total = m * (m - 1) / 2.0
    la, lb, _ = linked_pairs(series, np.zeros(len(table)), rows, np.inf)
    if total == 0 or len(la) == 0:
        return 0.0
    ua, ub = rows[rng.integers(0, m, sample)], rows[rng.integers(0, m, sample)]
    keep = np.array([p != q and not set(series[p]) & set(series[q]) for p, q in zip(ua, ub, strict=True)])
    lo_l = model.score(compare_pairs(table, la, lb)).log_odds
    lo_u = model.score(compare_pairs(table, ua[keep], ub[keep])).log_odds
    rate, w_u = len(la) / total, (total - len(la)) / max(int(keep.sum()), 1)
    weights = np.concatenate([np.ones(len(lo_l)), np.full(len(lo_u), w_u)])  # each unlinked sample stands for w_u pairs
    return match_rate_shift(np.concatenate([lo_l, lo_u]), rate, weights)


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def cluster_quality(model: Scorer, table: CaseTable, test_rows: IntArray, shift: float,
                    min_probability: float) -> tuple[tuple[float, float, float], float]:
    """B-cubed of ``cluster_links`` over every pair of the test cases against their co-offending
    groups, and the F1 of putting every test case in a cluster of its own."""
    from caselink.linkage.series import cluster_links

    rows = np.asarray([i for i in test_rows if table.series[i]], dtype=np.intp)
    if len(rows) < 2:
        return (float("nan"),) * 3, float("nan")
    truth = crime_groups(table.series)[rows]
    ia, ib = np.triu_indices(len(rows), 1)
    prob = _sigmoid(model.score(compare_pairs(table, rows[ia], rows[ib])).log_odds + shift)
    found = cluster_links(ia, ib, prob, min_probability)
    return bcubed([members for members, _ in found], truth), bcubed([], truth)[2]


def judge(model: Scorer, table: CaseTable, test_rows: IntArray, seed: int,
          ks: Sequence[int] = KS, series_linkage: str = "sum", series_unit: str = "offender",
          batch: int = 64, train_rows: IntArray | None = None, min_probability: float = 0.5) -> SplitResult:
    """Pairwise and per-case metrics of ``model`` on the test cases of one split (and, given the
    training rows to calibrate on, the B-cubed quality of clustering the test cases)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    pairs = make_pairs(table, test_rows, seed=seed)
    scores = model.score(compare_pairs(table, pairs.a, pairs.b)).log_odds
    auc = float(roc_auc_score(pairs.linked, scores))
    auprc = float(average_precision_score(pairs.linked, scores))
    series = table.series
    if series_unit == "group":
        groups = crime_groups(series)
        series = [(f"g{groups[i]}",) if groups[i] >= 0 else () for i in range(len(series))]
    names, member = _membership(series)
    sizes = np.asarray(member.sum(axis=0)).ravel()
    col = {s: k for k, s in enumerate(names)}
    queries = [q for q in test_rows if any(sizes[col[s]] > 1 for s in series[q])]
    held_out = np.asarray(member[test_rows].sum(axis=0)).ravel() > 0  # series with a case in the test fold
    n = len(table)
    recalls: dict[int, list[float]] = {k: [] for k in ks}
    ranks: list[int] = []
    held_out_ranks: list[int] = []
    for start in range(0, len(queries), batch):
        qs = np.array(queries[start:start + batch], dtype=np.intp)
        lo = model.score(compare_pairs(table, np.repeat(qs, n), np.tile(np.arange(n), len(qs)))).log_odds
        lo = lo.reshape(len(qs), n)
        lo[np.arange(len(qs)), qs] = -np.inf
        by_series = _series_scores(lo, member, series_linkage)
        for k_q, q in enumerate(qs):
            own = [col[s] for s in series[q] if sizes[col[s]] > 1]
            partners = np.unique(np.concatenate([member[:, c].nonzero()[0] for c in own]))
            partners = partners[partners != q]
            order = np.argsort(-lo[k_q], kind="stable")
            for k in ks:
                recalls[k].append(float(np.isin(partners, order[:k]).sum() / len(partners)))
            best = by_series[k_q, own].max()
            ranks.append(1 + int((by_series[k_q] > best).sum()))
            held_out_ranks.append(1 + int((by_series[k_q, held_out] > best).sum()))
    quality: tuple[tuple[float, float, float], float] = ((float("nan"),) * 3, float("nan"))
    if train_rows is not None:
        shift = link_rate_shift(model, table, train_rows, np.random.default_rng(seed))
        quality = cluster_quality(model, table, test_rows, shift, min_probability)
    return SplitResult(auc, auprc, {k: float(np.mean(v)) if v else float("nan") for k, v in recalls.items()},
                       ranks, held_out_ranks, *quality)


def evaluate(table: CaseTable, kind: str = "learned", *, folds: int = 5, repeats: int = 4, seed: int = 0,
             series_linkage: str = "sum", weighted: bool = True,
             options: dict[str, Any] | None = None, series_unit: str = "offender",
             min_probability: float = 0.5, fitter: Fitter | None = None,
             show_progress: bool | None = False) -> dict[str, Any]:
    """Repeated group-disjoint cross-validation; returns the summary ``caselink evaluate`` prints.

    ``fitter`` replaces the model fit of ``kind`` (same splits, pairs and metrics), so a reference
    method such as ``bench/crimelinkage_baseline.py`` is judged exactly like caselink's models.
    ``show_progress=None`` shows a bar of the splits done when stderr is a terminal.
    """
    from caselink import progress

    groups = crime_groups(table.series)
    if groups.max(initial=-1) + 1 < folds:
        raise ModelError(f"evaluation needs at least {folds} co-offending groups of solved cases; "
                         f"the store has {groups.max(initial=-1) + 1}")
    rng = np.random.default_rng(seed)
    results: list[SplitResult] = []
    with progress.bar("cross-validating (splits)", total=folds * repeats, show=show_progress) as bar:
        for r in range(repeats):
            fold = group_folds(groups, folds, rng)
            for f in range(folds):
                split_seed = seed * 1000 + r * folds + f
                train_rows = np.flatnonzero((fold >= 0) & (fold != f))
                test_rows = np.flatnonzero(fold == f)
                model = (fitter(table, train_rows, split_seed) if fitter is not None
                         else fit(kind, table, train_rows, split_seed, weighted, options))
                results.append(judge(model, table, test_rows, split_seed + 500, series_linkage=series_linkage,
                                     series_unit=series_unit, train_rows=train_rows,
                                     min_probability=min_probability))
                bar.advance()
    return summarise(results, kind, folds, repeats, seed, series_linkage, min_probability)


def _ms(values: Sequence[float]) -> dict[str, float | None]:
    """Mean and sd over the splits where a figure could be computed (None when it never could)."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    return {"mean": round(float(arr.mean()), 4) if len(arr) else None,
            "sd": round(float(arr.std(ddof=1)), 4) if len(arr) > 1 else None}


def _identification(ranks: Sequence[Sequence[int]]) -> tuple[list[float], list[float], list[float]]:
    """Per split (splits with queries only): hit@1, hit@10 and MRR of the true series' ranks."""
    done = [np.asarray(r, dtype=np.float64) for r in ranks if len(r)]
    return ([float(np.mean(r <= 1)) for r in done], [float(np.mean(r <= 10)) for r in done],
            [float(np.mean(1.0 / r)) for r in done])


def summarise(results: Sequence[SplitResult], kind: str, folds: int, repeats: int, seed: int,
              series_linkage: str, min_probability: float = 0.5) -> dict[str, Any]:
    """Means and standard deviations over splits (series metrics: mean over splits of the split mean)."""
    ks = sorted(results[0].recall_at_k)
    hit1, hit10, mrr = _identification([s.ranks for s in results])
    held_out = _identification([s.held_out_ranks for s in results])
    return {
        "model": kind,
        "pairwise": {
            "auc": _ms([r.auc for r in results]),
            "auprc": _ms([r.auprc for r in results]),
            "recall_at_k": {str(k): _ms([r.recall_at_k[k] for r in results]) for k in ks},
        },
        "series": {"hit_at_1": _ms(hit1)["mean"], "hit_at_10": _ms(hit10)["mean"], "mrr": _ms(mrr)["mean"],
                   "sd": {"hit_at_1": _ms(hit1)["sd"], "hit_at_10": _ms(hit10)["sd"], "mrr": _ms(mrr)["sd"]},
                   "linkage": series_linkage, "queries": int(sum(len(r.ranks) for r in results)),
                   "bcubed": {**{name: _ms([r.bcubed[j] for r in results])
                                 for j, name in enumerate(("precision", "recall", "f1"))},
                              "singletons_f1": _ms([r.bcubed_singletons_f1 for r in results]),
                              "min_probability": min_probability,
                              "truth": "co-offending groups of the test cases"}},
        "series_held_out": {"hit_at_1": _ms(held_out[0])["mean"], "hit_at_10": _ms(held_out[1])["mean"],
                            "mrr": _ms(held_out[2])["mean"],
                            "sd": {"hit_at_1": _ms(held_out[0])["sd"], "hit_at_10": _ms(held_out[1])["sd"],
                                   "mrr": _ms(held_out[2])["sd"]},
                            "candidates": "only the series with a case in the held-out fold"},
        "splits": len(results),
        "protocol": {"folds": folds, "repeats": repeats, "seed": seed, "group_disjoint": True},
    }


def demo_step(store: Any, purpose: str = "caselink demo: checking the linkage model") -> str:
    """A few lines for ``caselink demo``: how well the shipped default model, with no training,
    separates this store's known series (pairs built as for training), and why it links the
    most likely true pair. Reads are audited under ``purpose``."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from caselink.model import default_model

    frame = store.frame(list(CaseTable.COLUMNS), purpose=purpose, command="demo")
    table = CaseTable.from_frame(frame)
    try:
        pairs = make_pairs(table, seed=0)
    except ModelError:
        return "linkage model: no solved series in this store to check the model against"
    model = default_model()
    feats = compare_pairs(table, pairs.a, pairs.b)
    scores = model.score(feats)
    auc = roc_auc_score(pairs.linked, scores.log_odds)
    auprc = average_precision_score(pairs.linked, scores.log_odds)
    best = int(np.argmax(np.where(pairs.linked, scores.log_odds, -np.inf)))
    from caselink.compare.display import UNKNOWN

    reasons = [r for r in model.explain(feats, best) if r["feature"] != "prior" and r["value"] != UNKNOWN]
    why = "; ".join(f"{r['value']}: {r['contribution']:+.1f}" for r in reasons[:4])
    lines = [
        f"linkage model {model.name} v{model.version} (no local training) on {int(pairs.linked.sum())} known "
        f"linked pairs vs {int((~pairs.linked).sum())} sampled unlinked: AUC {auc:.3f}, AUPRC {auprc:.3f}",
        f"  e.g. {table.case_ids[pairs.a[best]]} ~ {table.case_ids[pairs.b[best]]}: "
        f"p = {scores.probability[best]:.2f} because {why}",
    ]
    solved = np.flatnonzero([bool(ss) for ss in table.series])
    (precision, recall, f1), alone = cluster_quality(model, table, solved, 0.0, 0.5)
    lines.append(f"  clustering the {len(solved)} solved cases (links with p >= 0.5): B-cubed precision "
                 f"{precision:.2f}, recall {recall:.2f}, F1 {f1:.2f} (every case alone: F1 {alone:.2f})")
    return "\n".join(lines)
