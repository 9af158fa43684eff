"""The end-to-end figures as pure functions over arrays (no store): blocking recall, stored-link
precision/recall at probability cuts, calibration, and partner@k of ``similar``'s lists.

Pairs are given as int64 keys of a ``TruthIndex`` and whether each is truly linked; series
figures come from ``caselink.linkage.series_quality`` (one copy of each metric).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]

CALIBRATION_BINS = 10
MIN_BIN_PAIRS = 20  # bins with fewer pairs are left out of the largest gap (too noisy to judge)


def _share(num: float, den: float) -> float | None:
    return round(float(num) / float(den), 4) if den else None


def blocking(candidate_keys: npt.NDArray[np.int64], linked: Bools, judged: Bools, true_pairs: int,
             cases: int) -> dict[str, Any]:
    """Share of true linked pairs that are candidate pairs, and candidate pairs per case.

    ``linked``/``judged`` are per candidate pair (truly linked; both cases judged)."""
    found = int(np.unique(candidate_keys[linked]).shape[0])
    return {"candidate_pairs": int(len(candidate_keys)), "pairs_per_case": round(len(candidate_keys) / max(cases, 1), 1),
            "judged_candidate_pairs": int(judged.sum()), "true_pairs": int(true_pairs),
            "true_pairs_in_candidates": found, "recall": _share(found, true_pairs)}


def links_at(probability: Floats, linked: Bools, judged: Bools, true_pairs: int,
             thresholds: Sequence[float]) -> dict[str, dict[str, Any]]:
    """Precision and recall of the stored links at or above each threshold (judged pairs only;
    recall is over every true linked pair, compared or not)."""
    out: dict[str, dict[str, Any]] = {}
    for t in thresholds:
        keep = (probability >= t) & judged
        hits = int((keep & linked).sum())
        out[f"{t:g}"] = {"links": int(keep.sum()), "true_links": hits, "precision": _share(hits, int(keep.sum())),
                         "recall": _share(hits, true_pairs)}
    return out


def calibration(probability: Floats, linked: Bools, bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """Mean stated probability against the true link rate, and the expected calibration error
    over ``bins`` equal-width probability bins (pair-weighted mean |stated - observed|), with the
    table of bins (empty bins left out). Nearly all candidate pairs fall in the lowest bin, so the
    ECE is small even when the upper bins are off: ``max_bin_gap`` is the largest
    |stated - observed| over the bins of at least ``MIN_BIN_PAIRS`` pairs (the "within ±0.1 in
    each decile" target).

    Example:
        >>> c = calibration(np.array([0.05, 0.05, 0.95, 0.95]), np.array([False, False, True, False]))
        >>> c["mean_probability"], c["link_rate"], c["ece"]
        (0.5, 0.25, 0.25)
        >>> c["max_bin_gap"] is None  # no bin of 20+ pairs
        True
    """
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(linked, dtype=bool)
    if len(p) == 0:
        return {"pairs": 0, "linked_pairs": 0, "mean_probability": None, "link_rate": None, "mean_over_rate": None,
                "ece": None, "max_bin_gap": None, "bins": []}
    which = np.minimum((p * bins).astype(np.int64), bins - 1)
    table = []
    ece = 0.0
    for k in range(bins):
        inside = which == k
        n = int(inside.sum())
        if not n:
            continue
        stated, observed = float(p[inside].mean()), float(y[inside].mean())
        ece += n * abs(stated - observed)
        table.append({"from": round(k / bins, 4), "to": round((k + 1) / bins, 4), "pairs": n,
                      "linked_pairs": int(y[inside].sum()), "mean_probability": round(stated, 4),
                      "linked_share": round(observed, 4)})
    mean_p, rate = float(p.mean()), float(y.mean())
    gaps = [abs(b["mean_probability"] - b["linked_share"]) for b in table if b["pairs"] >= MIN_BIN_PAIRS]
    return {"pairs": int(len(p)), "linked_pairs": int(y.sum()), "mean_probability": round(mean_p, 6),
            "link_rate": round(rate, 6), "mean_over_rate": round(mean_p / rate, 3) if rate else None,
            "ece": round(ece / len(p), 5), "max_bin_gap": round(max(gaps), 4) if gaps else None, "bins": table}


def partner_at_k(listed: Sequence[Sequence[str]], partners: Sequence[set[str]],
                 ks: Sequence[int]) -> dict[str, Any]:
    """Share of queries with a true partner among the first k cases listed, for each k, and the
    share of queries for which nothing was listed.

    Example:
        >>> partner_at_k([["x", "b"], []], [{"b"}, {"c"}], [1, 2])["partner_at"]
        {'1': 0.0, '2': 0.5}
    """
    n = len(listed)
    first = []
    for got, want in zip(listed, partners, strict=True):
        ranks = [i for i, c in enumerate(got) if c in want]
        first.append(ranks[0] + 1 if ranks else None)
    return {"queries": n,
            "partner_at": {str(k): _share(sum(r is not None and r <= k for r in first), n) for k in ks},
            "listed_nothing": _share(sum(not got for got in listed), n),
            "mean_listed": round(sum(len(got) for got in listed) / n, 2) if n else None}


def ranking_partner_at_k(candidate_keys: npt.NDArray[np.int64], probability: Floats, linked: Bools, n: int,
                         queries: npt.NDArray[np.intp], ks: Sequence[int]) -> dict[str, float | None]:
    """For each query case, its candidate partners ranked by probability (every scored pair, no
    threshold): the share of queries with a true partner among the first k. What ``similar``
    would show if it listed the top candidates whatever their probability.

    Example:
        >>> keys = np.array([0 * 3 + 1, 0 * 3 + 2])  # pairs (0, 1) and (0, 2) of 3 cases
        >>> ranking_partner_at_k(keys, np.array([0.2, 0.1]), np.array([False, True]), 3, np.array([0, 2]), [1, 2])
        {'1': 0.5, '2': 1.0}
    """
    a, b = candidate_keys // n, candidate_keys % n
    q, p, y = np.r_[a, b], np.r_[probability, probability], np.r_[linked, linked]
    asked = np.zeros(n, dtype=bool)
    asked[queries] = True
    keep = asked[q]
    q, p, y = q[keep], p[keep], y[keep]
    order = np.lexsort((-p, q))
    q, y = q[order], y[order]
    start = np.searchsorted(q, q, side="left")
    rank = np.arange(len(q)) - start  # 0 = the query's most probable candidate
    best = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(best, q[y], rank[y])
    first = best[queries]
    m = len(queries)
    return {str(k): _share(int((first < k).sum()), m) for k in ks}


__all__ = ["CALIBRATION_BINS", "blocking", "calibration", "links_at", "partner_at_k", "ranking_partner_at_k"]
