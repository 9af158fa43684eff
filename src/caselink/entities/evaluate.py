"""Pairwise precision and recall of person resolution against synthetic truth.

``synth_mentions(n_cases, seed)`` renders the generator's records into mention rows as the store
would hold them (entity order is not used: phones attach to people by role, as in the store) with
the true person of each mention. ``pairwise(resolution, truth)`` counts pairs of person mentions
put in the same entity against pairs that are truly the same person, over the mentions that carry
a name and at least one other identifier (date of birth, phone or vehicle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from caselink.entities.resolve import (
    MENTION_COLUMNS,
    Resolution,
    ResolveConfig,
    mention_id,
    resolve,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class PairScores:
    """Pair counts and rates; ``population`` is the number of person mentions scored."""

    population: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"population": self.population, "true_pairs": self.true_pairs,
                "predicted_pairs": self.predicted_pairs, "correct_pairs": self.correct_pairs,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4)}


def synth_mentions(n_cases: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """Mention rows from ``caselink.synth.generate`` and each person mention's true person id."""
    import pandas as pd

    from caselink.synth import generate

    res = generate(n_cases, seed=seed)
    truth = res.truth
    person_of = {(c, i): p for c, i, p in truth["entities"]}
    rows: list[tuple[Any, ...]] = []
    true_person: dict[str, str] = {}
    for rec in res.records:
        cid = rec["case_id"]
        for i, e in enumerate(rec.get("entities", [])):
            mid = mention_id(cid, e["kind"], e["role"], e["value"], e.get("name"), e.get("dob"))
            rows.append((mid, "case", cid, e["kind"], e["role"], e["value"], e.get("name"), e.get("dob")))
            if e["kind"] == "person" and (cid, i) in person_of:
                true_person[mid] = person_of[(cid, i)]
    frame = pd.DataFrame(rows, columns=list(MENTION_COLUMNS)).drop_duplicates("mention_id")
    return frame.reset_index(drop=True), true_person


def _pair_count(labels: np.ndarray) -> int:
    _, counts = np.unique(labels, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def pairwise(resolution: Resolution, true_person: dict[str, str], *, with_identifier: bool = True) -> PairScores:
    """Pairwise precision/recall over person mentions (those with a name and another identifier,
    unless ``with_identifier`` is False)."""
    m = resolution.mentions
    people = m[(m["kind"] == "person") & m["mention_id"].isin(true_person.keys()) & m["last"].notna()]
    if with_identifier:
        people = people[people["dob_norm"].notna() | people["phone"].notna() | people["vehicle"].notna()]
    truth = np.array([true_person[x] for x in people["mention_id"]], dtype=object)
    pred = people["entity_id"].to_numpy(dtype=object)
    joint = np.array([f"{t}\x1f{p}" for t, p in zip(truth, pred, strict=True)], dtype=object)
    return PairScores(len(people), _pair_count(truth), _pair_count(pred), _pair_count(joint))


def comparable_recall(resolution: Resolution, true_person: dict[str, str]) -> dict[str, Any]:
    """Recall over true pairs that could be linked directly: both mentions carry the same kind of
    identifier besides the name (both a date of birth, both a phone or both a vehicle)."""
    m = resolution.mentions
    people = m[(m["kind"] == "person") & m["mention_id"].isin(true_person.keys()) & m["last"].notna()]
    groups: dict[str, list[tuple[str, bool, bool, bool]]] = {}
    for mid, ent, dob, phone, vehicle in zip(people["mention_id"], people["entity_id"], people["dob_norm"],
                                             people["phone"], people["vehicle"], strict=True):
        groups.setdefault(true_person[mid], []).append((ent, isinstance(dob, str), isinstance(phone, str),
                                                   isinstance(vehicle, str)))
    total = found = 0
    for items in groups.values():
        for i, x in enumerate(items):
            for y in items[i + 1:]:
                if (x[1] and y[1]) or (x[2] and y[2]) or (x[3] and y[3]):
                    total += 1
                    found += x[0] == y[0]
    return {"true_pairs": total, "found": found, "recall": round(found / total, 4) if total else 1.0}


def evaluate_synthetic(n_cases: int = 20_000, seed: int = 0, config: ResolveConfig | None = None) -> dict[str, Any]:
    """Generate, resolve and score; the figures ``caselink entities evaluate`` reports."""
    frame, true_person = synth_mentions(n_cases, seed)
    res = resolve(frame, config)
    return {"cases": n_cases, "seed": seed, "mentions": len(frame), "resolution": res.stats,
            "threshold": (config or ResolveConfig()).threshold,
            "name_and_identifier": pairwise(res, true_person).to_dict(),
            "comparable": comparable_recall(res, true_person),
            "all_named": pairwise(res, true_person, with_identifier=False).to_dict()}
