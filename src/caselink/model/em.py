"""EM for a two-class Fellegi-Sunter mixture whose m-side is an exponential tilt of its u-side.

Pairs carry one score per comparison group, s_g (an existing model's summed contribution of the
group's features). Given the class, groups are independent; the unlinked density of a group is
u_g (non-parametric: the empirical distribution of unlinked pairs) and the linked density is
u_g tilted by the existing shape, m_g(s) = u_g(s) exp(b_g s) / Z_g(b_g), so a group's
log-likelihood ratio is log(m_g/u_g) = b_g s_g - log Z_g. ``fit_tilted`` estimates the match
share lambda and every b_g by EM, starting from given posteriors; b_g = 1 keeps the existing
shape, 0 says the group carries no evidence in this data, > 1 more than the existing model gave.

Why a tilt rather than free m-bins: free m-probabilities per bin (classic FS-EM) let the
linked component drift to whatever structure dominates the candidate pairs (on a synthetic
store: lambda 0.41, "pairs of the same incident type"), because blocking makes unlinked
candidates far from homogeneous. One parameter per group, in the direction the existing model
already points, keeps the linked component the pairs that model finds alike, and lets the data
set how strongly and how often.

The u-side of a group is either a fixed reference sample (``reference``: e.g. scores of random
pairs, for groups no blocking rule selects on) or the candidates themselves weighted by
1 - posterior (re-estimated every iteration). Z_g(b) = E_u[exp(b s)] is taken over ``bins``
quantile bins of s. Pairs with a known label keep it in every E-step (semi-supervised).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from caselink.errors import ModelError

FloatArray = npt.NDArray[np.float64]
#: labels: unknown (the E-step estimates it), linked, unlinked
UNKNOWN, LINKED, UNLINKED = -1, 1, 0
B_MAX = 5.0


@dataclass(frozen=True)
class TiltResult:
    """The fit: match share ``lam``, tilt ``b`` and normaliser ``log_z`` per group, and how it went."""

    lam: float
    b: FloatArray
    log_z: FloatArray
    iterations: int
    converged: bool
    lam_history: list[float] = field(default_factory=list)

    def log_ratio(self, scores: npt.ArrayLike) -> FloatArray:
        """Summed log(m/u) of pairs with these group scores (pairs x groups)."""
        return np.asarray(np.asarray(scores, dtype=np.float64) @ self.b - self.log_z.sum(), dtype=np.float64)


@dataclass
class _Grid:
    """A group's score in quantile bins: bin of each pair, bin means, and fixed reference masses."""

    bins: npt.NDArray[np.intp]
    centre: FloatArray
    reference: FloatArray | None

    @classmethod
    def of(cls, s: FloatArray, ref: FloatArray | None, n_bins: int) -> _Grid:
        both = s if ref is None else np.concatenate([s, ref])
        uniq = np.unique(both)
        if len(uniq) <= n_bins:
            edges = (uniq[:-1] + uniq[1:]) / 2.0
        else:
            edges = np.unique(np.quantile(both, np.linspace(0, 1, n_bins + 1)[1:-1]))
        idx = np.searchsorted(edges, s)
        k = len(edges) + 1
        sums = np.bincount(idx, weights=s, minlength=k)
        n = np.bincount(idx, minlength=k).astype(np.float64)
        mass = None
        if ref is not None:
            ridx = np.searchsorted(edges, ref)
            sums += np.bincount(ridx, weights=ref, minlength=k)
            n += np.bincount(ridx, minlength=k)
            mass = np.bincount(ridx, minlength=k) / max(len(ref), 1)
        centre = np.where(n > 0, sums / np.maximum(n, 1.0), 0.0)
        return cls(idx, centre, mass)

    def masses(self, unlinked: FloatArray) -> FloatArray:
        if self.reference is not None:
            return self.reference
        v = np.bincount(self.bins, weights=unlinked, minlength=len(self.centre))
        return np.asarray(v / max(v.sum(), 1e-300), dtype=np.float64)


def _log_z(v: FloatArray, centre: FloatArray, b: float) -> float:
    e = b * centre
    top = float(e[v > 0].max()) if (v > 0).any() else 0.0
    return top + float(np.log(np.sum(v * np.exp(e - top))))


def _newton(b: float, a: float, n_linked: float, v: FloatArray, centre: FloatArray, prior_sd: float) -> float:
    """The tilt maximising b*a - n_linked*log Z(b) - (b-1)^2 / (2 prior_sd^2), within [0, B_MAX]."""
    for _ in range(30):
        q = v * np.exp(b * centre - (b * centre)[v > 0].max())
        q /= q.sum()
        mean = float(q @ centre)
        var = float(q @ (centre - mean) ** 2)
        grad = a - n_linked * mean - (b - 1.0) / prior_sd ** 2
        hess = -n_linked * var - 1.0 / prior_sd ** 2
        step = -grad / hess
        b_new = float(np.clip(b + step, 0.0, B_MAX))
        if abs(b_new - b) < 1e-9:
            return b_new
        b = b_new
    return b


def fit_tilted(scores: npt.ArrayLike, init: npt.ArrayLike, *, labels: npt.ArrayLike | None = None,
               reference: Mapping[int, npt.ArrayLike] | None = None, bins: int = 64, prior_sd: float = 1.0,
               max_iter: int = 300, tol: float = 1e-6) -> TiltResult:
    """EM over pairs' group ``scores`` (pairs x groups) from initial posteriors ``init``; stops when
    lambda (relatively) and every b move by less than ``tol`` (``converged``) or at ``max_iter``.

    ``reference[g]``: scores of group g on pairs known to be (almost all) unlinked, e.g. random
    pairs, fixing its u-side. ``prior_sd``: sd of a normal prior on each b around 1 (the shape
    the scores came from).
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2 or len(s) == 0:
        raise ModelError("EM needs pairs to fit: the store has no candidate pairs")
    n, groups = s.shape
    w = np.clip(np.asarray(init, dtype=np.float64), 1e-9, 1 - 1e-9)
    lab = np.full(n, UNKNOWN) if labels is None else np.asarray(labels, dtype=np.int64)
    if len(w) != n or len(lab) != n:
        raise ModelError("EM: scores, initial posteriors and labels differ in length")
    known = lab != UNKNOWN
    w = np.where(known, (lab == LINKED).astype(np.float64), w)
    refs = reference or {}
    grids = [_Grid.of(s[:, g], np.asarray(refs[g], dtype=np.float64) if g in refs else None, bins)
             for g in range(groups)]
    b = np.ones(groups)
    log_z = np.zeros(groups)
    lam, history, converged, it = float(w.mean()), [], False, 0
    for it in range(1, max_iter + 1):
        lam_new = float(np.clip(w.mean(), 1e-9, 1 - 1e-9))
        a, n_linked = s.T @ w, float(w.sum())
        b_new = b.copy()
        for g, grid in enumerate(grids):
            v = grid.masses(1.0 - w)
            if prior_sd > 0:
                b_new[g] = _newton(float(b[g]), float(a[g]), n_linked, v, grid.centre, prior_sd)
            log_z[g] = _log_z(v, grid.centre, float(b_new[g]))
        moved = abs(lam_new - lam) / lam + float(np.abs(b_new - b).max()) if it > 1 else np.inf
        lam, b = lam_new, b_new
        history.append(lam)
        odds = np.log(lam / (1 - lam)) + s @ b - log_z.sum()
        w = np.where(known, w, 1.0 / (1.0 + np.exp(-np.clip(odds, -50, 50))))
        if moved < tol:
            converged = True
            break
    return TiltResult(float(np.clip(w.mean(), 1e-9, 1 - 1e-9)), b, log_z.copy(), it, converged, history)
