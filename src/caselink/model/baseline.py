"""The "no evidence" baseline: a shared fact never counts against a link, a differing one never for it.

Each term's contribution to an explanation is measured against not knowing the feature
(``term(x) - term.missing``), so the ``prior`` entry is the log-odds of a pair about which nothing
is known. For that reading to be honest, a term must not score an *agreement* below "unknown" nor
a *disagreement* above it. Each feature declares what agreement means on its ``FeatureSpec``
(``evidence``):

- ``"match"``: a value > 0 is an agreement (the two cases share the fact: same weapon, bits of
  shared circumstances, shared entities), a value <= 0 a disagreement (they differ);
- ``"conflict"``: a value > 0 is a disagreement (conflicting ``key:value`` facts), 0 an agreement
  (no conflict);
- ``"graded"``: no agreement notion (distance, time gap, text similarity); measured against
  "unknown" all the same, but any sign is allowed.

``constrain_term`` enforces that on one term by clamping (a fitted curve that dips below
"unknown" just above 0, as a linear piece from "differ" at 0 to "share a rare fact" at 3 bits
does for a fact 99% of cases share, is lifted to "unknown" there). ``LinkModel`` applies it in
its constructor, so every fitter (``fit_bayes``, ``fit_learned``, any other building a
``LinkModel``) and every loaded or upgraded model file obeys it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from caselink.compare.features import SPECS

if TYPE_CHECKING:
    from caselink.model.additive import Term

#: agreement starts here on the model's (transformed) scale: a knot or bin edge is put at EPS, so
#: values in (0, EPS) would read as a disagreement. The smallest positive match value caselink
#: computes is the information of a value nearly every case has, about 0.7/cases bits (7e-7 at
#: a million cases), far above EPS.
EPS = 1e-9


def sense_of(feature: str) -> int:
    """+1 for a match feature, -1 for a conflict feature, 0 for a graded (or unknown) one."""
    spec = SPECS.get(feature)
    return {"match": 1, "conflict": -1}.get(spec.evidence, 0) if spec is not None else 0


def constrain_term(term: Term) -> Term:
    """``term`` (in place, and returned) with every agreement scored >= its unknown weight and every
    disagreement <= it. Idempotent; a graded feature's term is left as it is."""
    sense = sense_of(term.feature)
    if sense == 0 or term.kind not in ("step", "curve"):
        return term
    m = float(term.missing)

    def low(w: float) -> float:  # what x <= 0 may score: a disagreement (match) / agreement (conflict)
        return min(w, m) if sense > 0 else max(w, m)

    def high(w: float) -> float:  # what x >= EPS may score
        return max(w, m) if sense > 0 else min(w, m)

    if term.kind == "step":
        edges = [float(e) for e in term.knots]
        weights = [float(w) for w in term.weights]
        if EPS not in edges:  # split the bin that holds EPS, so no bin holds both sides of 0
            i = int(np.searchsorted(edges, EPS, side="right"))
            edges.insert(i, EPS)
            weights.insert(i, weights[i])
        # bin i is [edges[i-1], edges[i]); it is an agreement bin when edges[i-1] >= EPS
        term.knots = edges
        term.weights = [high(w) if i > 0 and edges[i - 1] >= EPS else low(w) for i, w in enumerate(weights)]
        return term
    xs = np.asarray(term.knots, dtype=np.float64)
    ys = np.asarray(term.weights, dtype=np.float64)
    left = [(float(x), low(float(y))) for x, y in zip(xs, ys, strict=True) if x <= 0.0]
    if not left:
        left = [(0.0, low(float(np.interp(0.0, xs, ys))))]
    right = [(float(x), high(float(y))) for x, y in zip(xs, ys, strict=True) if x > EPS]
    at_eps = [float(y) for x, y in zip(xs, ys, strict=True) if x == EPS]
    start = high(at_eps[0] if at_eps else float(np.interp(EPS, xs, ys)))
    points = [*left, (EPS, start), *right]
    term.knots = [x for x, _ in points]
    term.weights = [y for _, y in points]
    return term


def obeys_baseline(term: Term, values: np.ndarray) -> bool:
    """Whether ``term`` scores every agreement among ``values`` (raw feature values) >= unknown and
    every disagreement <= it (NaN values are unknown and ignored)."""
    sense = sense_of(term.feature)
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if sense == 0 or not len(x):
        return True
    d = term(x) - term.missing
    agree = x > 0 if sense > 0 else x <= 0
    return bool(np.all(d[agree] >= -1e-12) and np.all(d[~agree] <= 1e-12))
