"""A partition of cases into series from link log-odds: agglomeration on summed evidence.

Each stored link carries the posterior log-odds ``L_ij`` that cases i and j share an offender.
Against the pairwise prior ``pi`` (``prior_probability``) that is the evidence
``e_ij = L_ij - logit(pi)``, the log of the pair's likelihood ratio. Treating pairs as separate
pieces of evidence, the log-odds that two groups A and B are one offender's rather than two
offenders' is

    gain(A, B) = sum over linked cross pairs of e_ij  +  (unlinked cross pairs) * missing_log_odds
                 + logit(pi)

``logit(pi)`` is the prior against merging (two single cases merge exactly when their own link
probability is above one half), and ``missing_log_odds`` is the evidence of a cross pair with no
stored link: the log of P(no stored link | same offender) / P(no stored link | different), a mild
negative (``link`` keeps every link above its threshold and each case's top partners, so most
pairs of a real series are not stored). Several weak links into a group add up; a lone weak link
does not; one strong link across two groups that many unlinked pairs separate does not chain them.

The agglomeration merges, in rounds, every pair of groups that are each other's best merge with
a probability ``sigmoid(gain)`` of at least ``min_probability`` (all locally best merges at once,
so a round costs a few vectorised passes over the links and the whole run is near-linear in
them), until no merge qualifies. Then each member's log-odds of belonging with the rest of its
series rather than alone, ``sum_j e_ij + (unlinked) * missing_log_odds + logit(pi)``, is its
confidence; the least confident member is dropped while it is below ``min_probability``. So every
member of a reported series, and the series itself (its weakest member), has confidence at least
``min_probability``.

``prior_probability`` should be the link rate among the pairs the probabilities were calibrated
on; the default 0.05 is deliberately conservative, because a series' pairs share evidence (the
same MO counts once per pair), which the sum over pairs overstates. For the same reason the
default ``missing_log_odds`` (-1.0) is stronger than the share of a true series' pairs that
``link`` stores alone implies (about -0.3): both were chosen on london-deaths synthetic data
(5,000 cases, seed 7) and checked on seed 11 and the bundled demo (``bench/series.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from caselink.errors import ConfigError

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PartitionConfig:
    """How links are weighed into series (see the module docstring)."""

    min_probability: float = 0.5
    prior_probability: float = 0.05
    missing_log_odds: float = -1.0
    max_rounds: int = 500

    def __post_init__(self) -> None:
        for name in ("min_probability", "prior_probability"):
            p = getattr(self, name)
            if not 0.0 < p < 1.0:
                raise ConfigError(f"{name} must be between 0 and 1 (exclusive), got {p!r}")
        if self.missing_log_odds > 0:
            raise ConfigError(f"missing_log_odds must be <= 0 (no link is never evidence for one), "
                              f"got {self.missing_log_odds!r}")

    @property
    def prior_log_odds(self) -> float:
        return float(np.log(self.prior_probability / (1.0 - self.prior_probability)))

    @property
    def threshold(self) -> float:
        return float(np.log(self.min_probability / (1.0 - self.min_probability)))


@dataclass(frozen=True)
class Partition:
    """``label[i]``: series of node i (-1 = alone); ``member_log_odds[i]``: its confidence as log-odds."""

    label: IntArray
    member_log_odds: FloatArray
    rounds: int

    def series(self) -> list[tuple[list[int], list[float]]]:
        """(members, member probabilities) of each series of 2+ nodes, members in node order."""
        nodes = np.flatnonzero(self.label >= 0)
        order = nodes[np.argsort(self.label[nodes], kind="stable")]
        if not len(order):
            return []
        bounds = np.flatnonzero(np.r_[True, np.diff(self.label[order]) != 0, True])
        prob = 1.0 / (1.0 + np.exp(-self.member_log_odds))
        return [(order[s:e].tolist(), prob[order[s:e]].tolist()) for s, e in zip(bounds[:-1], bounds[1:], strict=True)]


def _edges(a: IntArray, b: IntArray, evidence: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Undirected edges lo < hi, one per pair (the mean evidence of repeated pairs), no self-loops."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    lo, hi, ev = lo[keep], hi[keep], evidence[keep]
    key = lo.astype(np.int64) * (int(hi.max(initial=0)) + 1) + hi
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    if len(uniq) == len(key):
        return lo, hi, ev
    total = np.bincount(inverse, weights=ev, minlength=len(uniq))
    return lo[first], hi[first], total / np.bincount(inverse, minlength=len(uniq))


def _aggregate(lo: IntArray, hi: IntArray, s: FloatArray, c: FloatArray,
               ) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Sum parallel edges between the same two groups."""
    key = lo.astype(np.int64) * (int(hi.max(initial=0)) + 1) + hi
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    total = np.bincount(inverse, weights=s, minlength=len(uniq)).astype(np.float64)
    count = np.bincount(inverse, weights=c, minlength=len(uniq)).astype(np.float64)
    return lo[first], hi[first], total, count


def _best_mutual(lo: IntArray, hi: IntArray, gain: FloatArray, n: int) -> tuple[IntArray, IntArray]:
    """Pairs of groups that are each other's best merge (ties broken by group number)."""
    ends = np.r_[lo, hi]
    other = np.r_[hi, lo]
    g = np.r_[gain, gain]
    order = np.lexsort((other, -g, ends))  # by group, best gain first
    first = order[np.r_[True, ends[order][1:] != ends[order][:-1]]]
    best = np.full(n, -1, dtype=np.intp)
    best[ends[first]] = other[first]
    mutual = (best[lo] == hi) & (best[hi] == lo)
    return lo[mutual], hi[mutual]


def _agglomerate(n: int, lo: IntArray, hi: IntArray, ev: FloatArray, cfg: PartitionConfig) -> tuple[IntArray, int]:
    label = np.arange(n, dtype=np.intp)
    size = np.ones(n, dtype=np.float64)
    s, c = ev.astype(np.float64), np.ones(len(ev))
    w0, miss, thr = cfg.prior_log_odds, cfg.missing_log_odds, cfg.threshold
    rounds = 0
    while rounds < cfg.max_rounds:
        gain = s + (size[lo] * size[hi] - c) * miss + w0
        ok = gain >= thr
        if not ok.any():
            break
        rounds += 1
        keep_lo, drop = _best_mutual(lo[ok], hi[ok], gain[ok], n)
        into = np.arange(n, dtype=np.intp)
        into[drop] = keep_lo
        size[keep_lo] += size[drop]
        size[drop] = 0.0
        label = into[label]
        touched = np.zeros(n, dtype=bool)
        touched[keep_lo] = True
        lo, hi = into[lo], into[hi]
        lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
        inner = lo == hi
        lo, hi, s, c = lo[~inner], hi[~inner], s[~inner], c[~inner]
        moved = touched[lo] | touched[hi]  # only edges of merged groups can have become parallel
        if moved.any():
            mlo, mhi, ms, mc = _aggregate(lo[moved], hi[moved], s[moved], c[moved])
            lo, hi = np.r_[lo[~moved], mlo], np.r_[hi[~moved], mhi]
            s, c = np.r_[s[~moved], ms], np.r_[c[~moved], mc]
    return label, rounds


def member_log_odds(label: IntArray, lo: IntArray, hi: IntArray, ev: FloatArray, cfg: PartitionConfig) -> FloatArray:
    """Each node's log-odds of belonging with the rest of its group rather than alone (nan: alone)."""
    n = len(label)
    size = np.bincount(label, minlength=n).astype(np.float64)
    inside = label[lo] == label[hi]
    support = (np.bincount(lo[inside], weights=ev[inside], minlength=n)
               + np.bincount(hi[inside], weights=ev[inside], minlength=n))
    linked = np.bincount(lo[inside], minlength=n) + np.bincount(hi[inside], minlength=n)
    out = support + (size[label] - 1 - linked) * cfg.missing_log_odds + cfg.prior_log_odds
    return np.where(size[label] >= 2, out, np.nan)


def _prune(label: IntArray, lo: IntArray, hi: IntArray, ev: FloatArray, cfg: PartitionConfig,
           ) -> tuple[IntArray, FloatArray]:
    """Drop each group's least confident member while it is below ``min_probability``."""
    while True:
        m = member_log_odds(label, lo, hi, ev, cfg)
        grouped = np.flatnonzero(np.isfinite(m))
        order = grouped[np.lexsort((m[grouped], label[grouped]))]
        worst = order[np.r_[True, label[order][1:] != label[order][:-1]]] if len(order) else order
        worst = worst[m[worst] < cfg.threshold]
        if not len(worst):
            return label, m
        label = label.copy()
        label[worst] = len(label) + np.arange(len(worst))  # each dropped member alone, under a fresh label
        label = np.unique(label, return_inverse=True)[1].astype(np.intp)


def partition(a: npt.ArrayLike, b: npt.ArrayLike, log_odds: npt.ArrayLike, n: int | None = None,
              config: PartitionConfig | None = None) -> Partition:
    """Partition nodes ``0..n-1`` given links (a_k, b_k) with posterior ``log_odds``.

    Example:
        >>> p = partition([0, 0, 1, 3], [1, 2, 2, 4], [3.0, 2.0, 2.5, -1.0])
        >>> p.label.tolist()
        [0, 0, 0, -1, -1]
    """
    cfg = config or PartitionConfig()
    a, b = np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp)
    lo_odds = np.asarray(log_odds, dtype=np.float64)
    if not (len(a) == len(b) == len(lo_odds)):
        raise ConfigError("a, b and log_odds must have one entry per link")
    n = int(n if n is not None else max(int(a.max(initial=-1)), int(b.max(initial=-1))) + 1)
    if not np.isfinite(lo_odds).all():
        lo_odds = np.clip(np.nan_to_num(lo_odds, nan=cfg.prior_log_odds), -50.0, 50.0)
    lo, hi, ev = _edges(a, b, lo_odds - cfg.prior_log_odds)
    label, rounds = _agglomerate(n, lo, hi, ev, cfg)
    label, m = _prune(label, lo, hi, ev, cfg)
    size = np.bincount(label, minlength=len(label))
    _, dense = np.unique(label, return_inverse=True)
    out = np.where(size[label] >= 2, dense, -1)
    _, out[out >= 0] = np.unique(out[out >= 0], return_inverse=True)
    return Partition(out.astype(np.intp), m, rounds)


__all__ = ["Partition", "PartitionConfig", "member_log_odds", "partition"]
