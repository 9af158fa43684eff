"""How hard is a generated dataset? A plain reference linkage model's pairwise AUC on it.

This is the generator's own check that planted series are findable but not trivially so: a
logistic regression on obvious pair features (distance, time gap, same type and place, rarity-
weighted shared facts, victim similarity) trained on half of the offenders and tested on the
other half. The linkage stage's models should beat it; if it reaches 1.0 the data is too easy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from caselink.synth.generator import SynthResult

FEATURES = ("log_km", "log_days", "same_type", "same_place", "shared_rare_facts", "facts_jaccard",
            "shared_rare_subs", "same_weapon", "same_sex", "age_gap", "hour_gap")


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.bitwise_count(x).astype(np.float64)


def _rarity(masks: np.ndarray, size: int) -> np.ndarray:
    bits = (masks[:, None] >> np.arange(size, dtype=np.uint64)) & np.uint64(1)
    freq = (bits.sum(axis=0) + 1.0) / (len(masks) + 2.0)
    return -np.log(freq)


def _weighted_shared(a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> np.ndarray:
    both = a & b
    bits = (both[:, None] >> np.arange(len(weight), dtype=np.uint64)) & np.uint64(1)
    return bits.astype(np.float64) @ weight


def pair_features(res: SynthResult, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Feature matrix (len(i) x len(FEATURES)) for case-row pairs; missing values get neutral fill."""
    c = res.columns
    km = np.hypot(c.x[i] - c.x[j], c.y[i] - c.y[j])
    km = np.where(c.has_loc[i] & c.has_loc[j], km, 8.0)
    mid_i = c.t[i] + (c.after[i] - c.before[i]) / 2
    mid_j = c.t[j] + (c.after[j] - c.before[j]) / 2
    days = np.abs(mid_i - mid_j) / 86400
    hi, hj = (c.t[i] % 86400) / 3600, (c.t[j] % 86400) / 3600
    hour_gap = np.minimum(np.abs(hi - hj), 24 - np.abs(hi - hj))
    cw = _rarity(c.circ, len(res.profile.vocab.circumstances))
    sw = _rarity(c.subs, len(res.profile.vocab.substances))
    union = _popcount(c.circ[i] | c.circ[j])
    jac = np.where(union > 0, _popcount(c.circ[i] & c.circ[j]) / np.maximum(union, 1), 0.0)
    known_age = (c.vage[i] >= 0) & (c.vage[j] >= 0)
    return np.column_stack([
        np.log1p(km), np.log1p(days), c.itype[i] == c.itype[j],
        (c.place[i] == c.place[j]) & (c.place[i] >= 0), _weighted_shared(c.circ[i], c.circ[j], cw), jac,
        _weighted_shared(c.subs[i], c.subs[j], sw), (c.weapon[i] == c.weapon[j]) & (c.weapon[i] >= 0),
        (c.vsex[i] == c.vsex[j]) & (c.vsex[i] >= 0),
        np.where(known_age, np.abs(c.vage[i].astype(float) - c.vage[j]), 15.0), hour_gap,
    ]).astype(np.float64)


def _pairs(res: SynthResult, offenders: np.ndarray, rng: np.random.Generator,
           negatives: str, n_neg: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = res.columns
    rows = np.flatnonzero(np.isin(c.offender, offenders))
    order = rows[np.argsort(c.offender[rows], kind="stable")]
    off = c.offender[order]
    pos_i, pos_j = [], []
    bounds = np.flatnonzero(np.r_[True, off[1:] != off[:-1], True])
    for s, e in zip(bounds[:-1], bounds[1:], strict=True):
        members = order[s:e]
        a, b = np.triu_indices(len(members), 1)
        pos_i.append(members[a])
        pos_j.append(members[b])
    pi, pj = np.concatenate(pos_i), np.concatenate(pos_j)
    pool = order if negatives == "series" else np.arange(len(c))
    ni, nj = rng.choice(pool, n_neg), rng.choice(pool, n_neg)
    keep = (c.offender[ni] != c.offender[nj]) | (c.offender[ni] < 0)
    keep &= ni != nj
    ni, nj = ni[keep], nj[keep]
    i, j = np.r_[pi, ni], np.r_[pj, nj]
    return i, j, np.r_[np.ones(len(pi)), np.zeros(len(ni))]


def pairwise_auc(res: SynthResult, seed: int = 0, negatives: str = "series", n_neg: int = 50_000) -> dict[str, Any]:
    """Group-disjoint AUC of a logistic model: train on half the serial offenders, test on the rest.

    ``negatives='series'`` pairs cases of different serial offenders (as crimelinkage evaluates);
    ``'any'`` pairs random cases (background included).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    kinds = res.offender_kind
    serial = np.array(sorted(o for o, k in kinds.items() if k == "series"))
    rng.shuffle(serial)
    half = len(serial) // 2
    out: dict[str, Any] = {"negatives": negatives, "offenders": len(serial)}
    data = [_pairs(res, part, rng, negatives, n_neg) for part in (serial[:half], serial[half:])]
    (i0, j0, y0), (i1, j1, y1) = data
    scaler = StandardScaler().fit(pair_features(res, i0, j0))
    model = LogisticRegression(max_iter=1000).fit(scaler.transform(pair_features(res, i0, j0)), y0)
    score = model.predict_proba(scaler.transform(pair_features(res, i1, j1)))[:, 1]
    out["auc"] = float(roc_auc_score(y1, score))
    out["test_pairs"] = {"linked": int(y1.sum()), "unlinked": int(len(y1) - y1.sum())}
    out["coefficients"] = dict(zip(FEATURES, np.round(model.coef_[0], 3).tolist(), strict=True))
    return out
