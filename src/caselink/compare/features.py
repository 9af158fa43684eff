"""compare_pairs: turn pairs of cases into a matrix of evidence, one named column per feature.

Every feature is NaN when either side is unknown (never a silent match). The list ``FEATURES``
fixes the names and order; models look columns up by name, so adding a feature later does not
break a saved model.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from caselink.compare import context, entities, geo, sets, text, victim
from caselink.compare import time as ctime
from caselink.compare.table import CaseTable, CompareError

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.floating]
CHUNK = 65_536
#: bumped whenever a feature's meaning changes, so a saved model records what it was trained on
#: (1: neighbour counts extrapolated from the 10th neighbour and averaged over both cases;
#:  2: exact counts from kept neighbour distances / sorted times, the smaller of both cases;
#:  3: those counts as a share of the store's cases, so a model transfers between store sizes;
#:  4: same_incident_type (1/0) became incident_type_match, the bits of a shared incident type, so
#:     a store of one kind of incident gets no evidence from every pair "matching";
#:  5: shared_entities (a count) became the bits of the shared entities (rarer = more), split by role:
#:     entities_involved_info (suspect/associate in at least one case), entities_bystander_info)
FEATURE_SET_VERSION = 5


@dataclass(frozen=True)
class FeatureSpec:
    """A feature's name, what it measures, the scale a model should read it on, and what counts as
    the two cases agreeing (``evidence``, see ``caselink.model.baseline``): ``"match"`` (a value
    > 0 means they share the fact, <= 0 that they differ), ``"conflict"`` (> 0 means conflicting
    facts, 0 none) or ``"graded"`` (no agreement notion, e.g. a distance). A model never scores
    an agreement below not knowing the fact, nor a disagreement above it."""

    name: str
    description: str
    scale: str = "linear"  # "linear" or "log" (models read log1p of the value)
    evidence: str = "graded"  # "match", "conflict" or "graded"

    def __post_init__(self) -> None:
        if self.evidence not in ("match", "conflict", "graded"):
            raise ValueError(f"feature {self.name}: evidence must be match, conflict or graded, not {self.evidence!r}")


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("distance_km", "distance between the two places (km)", "log"),
    FeatureSpec("space_nearer", "log10 share of the store's located cases nearer than this distance"),
    FeatureSpec("time_gap_days", "expected gap between the two times (days)", "log"),
    FeatureSpec("time_nearer", "log10 share of the store's cases nearer in time than this gap"),
    FeatureSpec("time_uncertainty_days", "width of the vaguer of the two time intervals (days)", "log"),
    FeatureSpec("tod_gap_hours", "expected gap in time of day (hours, 0-12)"),
    FeatureSpec("dow_gap_days", "expected gap in day of week (days, 0-3.5)"),
    FeatureSpec("incident_type_match", "bits of a shared incident type (rarer = more), 0 if different",
                evidence="match"),
    FeatureSpec("place_type_match", "bits of a shared place type (rarer = more), 0 if different",
                evidence="match"),
    FeatureSpec("area_match", "1 if both cases are in the same area", evidence="match"),
    FeatureSpec("weapon_match", "bits of a shared weapon, 0 if different", evidence="match"),
    FeatureSpec("victim_age_gap", "difference in victim age (years)", "log"),
    FeatureSpec("victim_sex_match", "1 if the victims' sex is the same", evidence="match"),
    FeatureSpec("victim_ethnicity_match", "1 if the victims' ethnicity is the same", evidence="match"),
    FeatureSpec("victim_tags_shared_info", "bits of victim attributes both share", evidence="match"),
    FeatureSpec("circumstances_shared_info", "bits of circumstances both share (rarer = more)",
                evidence="match"),
    FeatureSpec("circumstances_jaccard", "share of circumstances in common (Jaccard)", evidence="match"),
    FeatureSpec("circumstances_conflicts", "circumstance keys with different values (e.g. mo1)",
                evidence="conflict"),
    FeatureSpec("substances_shared_info", "bits of substances both share (rarer = more)", evidence="match"),
    FeatureSpec("substances_jaccard", "share of substances in common (Jaccard)", evidence="match"),
    FeatureSpec("narrative_similarity", "narrative text similarity (TF-IDF/SVD cosine, 0-1)"),
    FeatureSpec("entities_involved_info", "bits of the people, phones, vehicles... both cases mention, a suspect "
                "or associate in at least one (rarer = more)", evidence="match"),
    FeatureSpec("entities_bystander_info", "bits of the people, phones, vehicles... both cases mention only as "
                "victim, witness, reporter or other (rarer = more)", evidence="match"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
SPECS: dict[str, FeatureSpec] = {f.name: f for f in FEATURES}


@dataclass(frozen=True)
class Features:
    """Evidence for pairs (a[i], b[i]): ``values`` is float32 (pairs x features), NaN = unknown."""

    names: list[str]
    values: npt.NDArray[np.float32]
    table: CaseTable
    a: IntArray
    b: IntArray

    def __len__(self) -> int:
        return len(self.values)

    def column(self, name: str) -> npt.NDArray[np.float32]:
        """One feature's values; all NaN when the feature was not computed."""
        if name in self.names:
            return self.values[:, self.names.index(name)]
        return np.full(len(self.values), np.nan, dtype=np.float32)

    def display(self, i: int) -> list[tuple[str, str]]:
        """Human-readable value of every feature for pair ``i``."""
        from caselink.compare.display import describe

        return [(n, describe(n, float(self.values[i, j]), self.table, int(self.a[i]), int(self.b[i])))
                for j, n in enumerate(self.names)]


def compare_pairs(table: CaseTable, a: npt.ArrayLike, b: npt.ArrayLike) -> Features:
    """Compute every feature in ``FEATURES`` for pairs of row positions (vectorised, chunked)."""
    ia = np.asarray(a, dtype=np.intp).ravel()
    ib = np.asarray(b, dtype=np.intp).ravel()
    if ia.shape != ib.shape:
        raise CompareError(f"pair arrays differ in length ({len(ia)} and {len(ib)})")
    n = len(table)
    if len(ia) and (min(ia.min(), ib.min()) < 0 or max(ia.max(), ib.max()) >= n):
        raise CompareError(f"pair positions must lie in 0..{n - 1} (the table has {n} cases)")
    values = np.empty((len(ia), len(FEATURES)), dtype=np.float32, order="F")  # columns contiguous

    def fill(start: int) -> None:
        for j, column in enumerate(_chunk(table, ia[start:start + CHUNK], ib[start:start + CHUNK])):
            values[start:start + CHUNK, j] = column

    starts = range(0, len(ia), CHUNK)
    if len(starts) > 1 and _THREADS > 1:  # numpy and the compiled kernels release the GIL
        list(_pool().map(fill, starts))
    else:
        for start in starts:
            fill(start)
    return Features(list(FEATURE_NAMES), values, table, ia, ib)


_THREADS = min(os.cpu_count() or 1, 4)


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="caselink-compare")


def _log_share(ca: FloatArray, cb: FloatArray, total: int) -> FloatArray:
    """log10 of (cases nearer + 1) / cases, from the side with fewer: the same scale whatever the
    size of the store (for an unrelated pair the share is roughly uniform on 0..1)."""
    return np.log10((1.0 + np.minimum(ca, cb)) / max(total, 1))


def _chunk(t: CaseTable, a: IntArray, b: IntArray) -> list[FloatArray]:
    """All features for one chunk of pairs, in ``FEATURES`` order."""
    d = geo.pair_distance_m(t.loc_kind, t.lat_r, t.lon_r, t.x, t.y, a, b)
    gap = ctime.expected_abs_gap(t.t_from[a], t.t_to[a], t.t_from[b], t.t_to[b])
    mid = (t.t_from + t.t_to) / 2.0
    circ = sets.overlap(t.circumstances, a, b)
    subs = sets.overlap(t.substances, a, b)
    ent_involved, ent_bystander = entities.shared_evidence(t.entities, t.entity_roles, a, b)
    return [
        d / 1000.0,
        _log_share(context.space_count(d, t.space_knn, a, t.located - 1),
                   context.space_count(d, t.space_knn, b, t.located - 1), t.located),
        gap,
        _log_share(context.time_count(t.mid_sorted, mid, gap, a), context.time_count(t.mid_sorted, mid, gap, b),
                   t.store_cases),
        np.maximum(t.t_to[a] - t.t_from[a], t.t_to[b] - t.t_from[b]),
        ctime.expected_circular_gap(t.tod_weighted, t.tod_hist, a, b),
        ctime.expected_circular_gap(t.dow_weighted, t.dow_hist, a, b),
        victim.match_info(t.incident_type, a, b),
        victim.match_info(t.place_type, a, b),
        victim.agreement(t.area, a, b),
        victim.match_info(t.weapon, a, b),
        victim.age_gap(t.victim_age, a, b),
        victim.agreement(t.victim_sex, a, b),
        victim.agreement(t.victim_ethnicity, a, b),
        sets.overlap(t.victim_tags, a, b).info,
        circ.info, circ.jaccard, circ.conflicts,
        subs.info, subs.jaccard,
        text.similarity(t.text_vecs, t.has_text, a, b),
        ent_involved, ent_bystander,
    ]
