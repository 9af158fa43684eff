"""Training pairs from solved series, built the way crimelinkage builds them (Porter 2014).

- Linked pairs: every two cases that share a series (offender), at most ``max_gap_days`` apart,
  each weighted 1 / (number of pairs in its series) so a prolific offender does not dominate; a
  pair in several series keeps the smallest weight.
- Unlinked pairs: cases are grouped into connected co-offending groups (offenders who ever
  offended together, and all their cases). From every group ``per_group`` cases are drawn with
  replacement and each is paired with a case from another group, other groups being equally
  likely whatever their size. Pairs are deduplicated and weighted 1.

Unlike the R package, the unlinked sample is drawn with replacement from the other groups (R's
``sample(prob=)`` draws without), which only matters for tiny data.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from caselink.compare import CaseTable, compare_pairs
from caselink.errors import ModelError
from caselink.model.additive import LinkModel

IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Pairs:
    """Training pairs over a CaseTable's rows: positions a < b, label, weight."""

    a: IntArray
    b: IntArray
    linked: npt.NDArray[np.bool_]
    weight: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.a)


def crime_groups(series: Sequence[Sequence[str]]) -> IntArray:
    """Connected co-offending group of each case (-1 for cases with no series)."""
    names = sorted({s for ss in series for s in ss})
    index = {s: i for i, s in enumerate(names)}
    n = len(series)
    rows, cols = [], []
    for i, ss in enumerate(series):
        for s in ss:
            rows.append(i)
            cols.append(n + index[s])
    size = n + len(names)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    solved = np.array([len(ss) > 0 for ss in series], dtype=bool)
    out = np.full(n, -1, dtype=np.intp)
    _, out[solved] = np.unique(labels[:n][solved], return_inverse=True)
    return out


def linked_pairs(series: Sequence[Sequence[str]], mid: npt.NDArray[np.float64], rows: IntArray,
                 max_gap_days: float) -> tuple[IntArray, IntArray, npt.NDArray[np.float64]]:
    """Every within-series pair among ``rows``, with weight 1/pairs-in-series (min over series)."""
    members: dict[str, list[int]] = {}
    for i in rows:
        for s in series[i]:
            members.setdefault(s, []).append(int(i))
    best: dict[tuple[int, int], float] = {}
    for s in sorted(members):
        m = sorted(members[s])
        pairs = [(p, q) for k, p in enumerate(m) for q in m[k + 1:] if abs(mid[p] - mid[q]) <= max_gap_days]
        for pq in pairs:
            best[pq] = min(best.get(pq, 1.0), 1.0 / len(pairs))
    keys = sorted(best)
    a = np.array([k[0] for k in keys], dtype=np.intp)
    b = np.array([k[1] for k in keys], dtype=np.intp)
    return a, b, np.array([best[k] for k in keys], dtype=np.float64)


def unlinked_pairs(groups: IntArray, mid: npt.NDArray[np.float64], rows: IntArray, per_group: int,
                   max_gap_days: float, rng: np.random.Generator) -> tuple[IntArray, IntArray]:
    """Sampled pairs of cases from different co-offending groups (deduplicated, a < b)."""
    rows = rows[groups[rows] >= 0]
    g = groups[rows]
    labels, sizes = np.unique(g, return_counts=True)
    if len(labels) < 2:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    size_of = dict(zip(labels.tolist(), sizes.tolist(), strict=True))
    base = np.array([1.0 / size_of[int(v)] for v in g])
    out_a, out_b = [], []
    for label in labels:
        mine = rows[g == label]
        others = rows[g != label]
        p = base[g != label]
        out_a.append(rng.choice(mine, size=per_group, replace=True))
        out_b.append(rng.choice(others, size=per_group, replace=True, p=p / p.sum()))
    a, b = np.concatenate(out_a), np.concatenate(out_b)
    keep = np.abs(mid[a] - mid[b]) <= max_gap_days
    lo, hi = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    uniq = np.unique(np.column_stack([lo, hi]), axis=0)
    return uniq[:, 0].astype(np.intp), uniq[:, 1].astype(np.intp)


def near_unlinked_pairs(table: CaseTable, groups: IntArray, rows: IntArray, per_case: int) -> tuple[IntArray, IntArray]:
    """Hard unlinked pairs: each case with its ``per_case`` nearest cases (in space, and in time)
    from other co-offending groups among ``rows``."""
    from caselink.compare import geo

    if per_case <= 0 or len(rows) < 2:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    mid = (table.t_from + table.t_to) / 2.0
    out_a, out_b = [], []
    for i in rows:
        other = rows[groups[rows] != groups[i]]
        if len(other) == 0:
            continue
        d = geo.pair_distance_m(table.loc_kind, table.lat_r, table.lon_r, table.x, table.y,
                                np.full(len(other), i), other)
        gap = np.abs(mid[other] - mid[i])
        for key in (d, gap):
            key = np.where(np.isfinite(key), key, np.inf)
            pick = other[np.argsort(key, kind="stable")[:per_case]]
            out_a.append(np.minimum(pick, i))
            out_b.append(np.maximum(pick, i))
    if not out_a:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    uniq = np.unique(np.column_stack([np.concatenate(out_a), np.concatenate(out_b)]), axis=0)
    return uniq[:, 0].astype(np.intp), uniq[:, 1].astype(np.intp)


def make_pairs(table: CaseTable, rows: npt.ArrayLike | None = None, *, max_gap_days: float = 365.0,
               per_group: int = 40, near: int = 0, seed: int = 0) -> Pairs:
    """Linked and sampled unlinked training pairs among ``rows`` (default: every solved case)."""
    series = table.series
    idx = np.arange(len(table)) if rows is None else np.asarray(rows, dtype=np.intp)
    idx = idx[np.array([len(series[i]) > 0 for i in idx], dtype=bool)] if len(idx) else idx
    mid = (table.t_from + table.t_to) / 2.0
    groups = crime_groups(series)
    la, lb, lw = linked_pairs(series, mid, idx, max_gap_days)
    ua, ub = unlinked_pairs(groups, mid, idx, per_group, max_gap_days, np.random.default_rng(seed))
    if near > 0:
        na, nb = near_unlinked_pairs(table, groups, idx, near)
        both = np.unique(np.column_stack([np.concatenate([ua, na]), np.concatenate([ub, nb])]), axis=0)
        ua, ub = both[:, 0].astype(np.intp), both[:, 1].astype(np.intp)
    if len(la) == 0:
        raise ModelError("no linked pairs: training needs solved series (series_ids) with two or more "
                         "cases each")
    linked_set = set(zip(la.tolist(), lb.tolist(), strict=True))
    keep = np.array([(p, q) not in linked_set for p, q in zip(ua.tolist(), ub.tolist(), strict=True)], dtype=bool)
    ua, ub = ua[keep], ub[keep]
    return Pairs(np.concatenate([la, ua]), np.concatenate([lb, ub]),
                 np.concatenate([np.ones(len(la), bool), np.zeros(len(ua), bool)]),
                 np.concatenate([lw, np.ones(len(ua))]))


def train(table: CaseTable, kind: str = "learned", *, seed: int = 0, weighted: bool = True,
          name: str | None = None, version: str = "1") -> LinkModel:
    """Build pairs from the table's solved series and fit a model of ``kind`` (bayes|learned)."""
    from caselink.model import fit_bayes, fit_learned

    pairs = make_pairs(table, seed=seed)
    feats = compare_pairs(table, pairs.a, pairs.b)
    w = pairs.weight if weighted else None
    if kind == "bayes":
        model = fit_bayes(feats.values, feats.names, pairs.linked, w, name=name or "bayes", version=version)
    elif kind == "learned":
        model = fit_learned(feats.values, feats.names, pairs.linked, w, name=name or "learned", version=version)
    else:
        raise ModelError(f"unknown model kind {kind!r}: use 'bayes' or 'learned'")
    model.trained_on.update({"cases": len(table), "series": len({s for ss in table.series for s in ss})})
    return model


def calibrate_to_pairs(model: LinkModel, table: CaseTable, a: npt.ArrayLike, b: npt.ArrayLike,
                       offenders: Mapping[str, Collection[str]] | None = None) -> float:
    """Shift the model's intercept so its mean probability over pairs (a, b) equals their observed
    link rate; returns the shift.

    Training pairs over-sample linked pairs (that is how they are built), so a model fitted on
    them is calibrated to that mix. Calling this with the store's *candidate* pairs makes the
    probability mean "of the pairs ``caselink link`` compares, this share are linked". Without
    ``offenders`` only pairs of two solved cases (both with ``series_ids``) count, which
    over-states the rate when series are solved more often than one-off cases; with the full
    truth (``offenders``: case id -> its true offenders, e.g. a synthetic truth file's
    ``case_offenders``; a case not in it had an offender of its own) every pair counts.
    """
    ia, ib = np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp)
    if offenders is not None:
        ids = table.case_ids
        truth = [set(offenders.get(str(c), ())) for c in ids]
        linked = np.array([bool(truth[p] & truth[q]) for p, q in zip(ia, ib, strict=True)], dtype=bool)
    else:
        series = table.series
        solved = np.array([bool(series[p]) and bool(series[q]) for p, q in zip(ia, ib, strict=True)], dtype=bool)
        ia, ib = ia[solved], ib[solved]
        linked = np.array([bool(set(series[p]) & set(series[q])) for p, q in zip(ia, ib, strict=True)], dtype=bool)
    if not linked.any() or linked.all():
        raise ModelError("calibration needs candidate pairs between solved cases, both linked and unlinked")
    lo = model.score(compare_pairs(table, ia, ib)).log_odds
    rate = float(linked.mean())
    factor = 1.0
    if offenders is not None:  # every pair labelled: Platt scaling (slope and offset) on the log-odds
        factor, shift = _platt(lo, linked)
        model.rescale(factor, shift)
    else:
        shift = match_rate_shift(lo, rate)
        model.intercept += shift
    model.trained_on["calibrated_to"] = {"pairs": int(len(ia)), "linked_rate": round(rate, 6),
                                         "intercept_shift": round(shift, 4), "slope_factor": round(factor, 4),
                                         "labels": "full truth" if offenders is not None else "solved pairs"}
    return shift


def match_rate_shift(log_odds: npt.NDArray[np.float64], rate: float,
                     weights: npt.NDArray[np.float64] | None = None) -> float:
    """The shift d that makes the (weighted) mean of sigmoid(log_odds + d) equal ``rate``
    (bisection: the mean is increasing in d)."""
    w = np.ones(len(log_odds)) if weights is None else np.asarray(weights, dtype=np.float64)
    low, high = -30.0, 30.0
    for _ in range(100):
        mid = (low + high) / 2.0
        if float(np.sum(w / (1.0 + np.exp(-(log_odds + mid)))) / np.sum(w)) < rate:
            low = mid
        else:
            high = mid
    return (low + high) / 2.0


def _platt(log_odds: npt.NDArray[np.float64], linked: npt.NDArray[np.bool_]) -> tuple[float, float]:
    """(factor, shift) of the logistic fit linked ~ shift + factor * log_odds (unpenalised)."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e6, max_iter=1000).fit(np.asarray(log_odds)[:, None], linked)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])
