"""The full truth behind a synthetic dataset: every offender's cases (solved or not) and the true
person behind every entity mention. Written as JSON next to the data (``--truth``).

Format (version 1)::

    {"format": "caselink-synth-truth", "version": 1, "config": {...},
     "offenders": {"SY0-S00012": {"case_ids": [...], "kind": "series" | "singleton" | "planted_barking",
                                   "solved": bool, "labelled_case_ids": [...], "home": {"lat", "lon"} | null,
                                   "person_id": "P0000012"}},
     "case_offenders": {"SY0-0000042": ["SY0-S00012", ...]},   # every case with a true offender
     "entities": [["SY0-0000042", 3, "P0000012"], ...],        # (case_id, index in its entities list, person)
                                                               # (a last phone of role "other" with no row here
                                                               #  is a common number nobody owns: a switchboard)
     "people": {"P0000012": {"name", "dob", "phone", "vehicle", "handle", "cases"}}}  # in 2+ cases

Entity indices refer to the order of ``entities`` as written in the JSON Lines record; a phone,
vehicle or handle entity belongs to the person whose mention it follows (a handle may also stand
alone, when only an online profile is known).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from caselink.synth import render
from caselink.synth.names import FIRST, SURNAMES

if TYPE_CHECKING:
    from caselink.synth.generator import SynthResult

VERSION = 1


def person_id(person: int) -> str:
    return f"P{person:07d}"


def _offenders(res: SynthResult) -> tuple[dict[str, Any], dict[str, list[str]]]:
    c, ids = res.columns, res.case_ids
    cases: dict[int, list[int]] = defaultdict(list)
    labelled: dict[int, list[int]] = defaultdict(list)
    for off, lab in ((c.offender, c.label1), (c.offender2, c.label2)):
        rows = np.flatnonzero(off >= 0)
        for row, o, is_lab in zip(rows.tolist(), off[rows].tolist(), lab[rows].tolist(), strict=True):
            cases[o].append(row)
            if is_lab:
                labelled[o].append(row)
    out: dict[str, Any] = {}
    per_case: dict[str, list[str]] = defaultdict(list)
    for o in sorted(cases):
        members = sorted(cases[o])
        home = res.profiles_home.get(o)
        latlon = None
        if home is not None:
            lat, lon = res.profile.geography.to_latlon(np.array([home[0]]), np.array([home[1]]))
            latlon = {"lat": round(float(lat[0]), 6), "lon": round(float(lon[0]), 6)}
        label = res.series_label(o)
        out[label] = {"case_ids": [ids[r] for r in members], "kind": res.offender_kind.get(o, "singleton"),
                      "solved": bool(labelled[o]), "labelled_case_ids": [ids[r] for r in sorted(labelled[o])],
                      "home": latlon, "person_id": person_id(o)}
        for r in members:
            per_case[ids[r]].append(label)
    return out, dict(per_case)


def _entities(res: SynthResult) -> tuple[list[list[Any]], dict[int, list[int]]]:
    """(case_id, entity index, person id) rows, and the cases of each person named in 2+ cases."""
    m, ids = res.mentions, res.case_ids
    width = np.stack(res.layout).astype(np.int64).sum(axis=0)
    keep = width > 0
    m_case, m_person, width = m.case[keep], m.person[keep], width[keep]
    begin = np.cumsum(width) - width
    index = begin - begin[np.searchsorted(m_case, m_case, side="left")]
    pos = np.arange(int(width.sum())) - np.repeat(begin, width)
    cases, people = np.repeat(m_case, width).tolist(), np.repeat(m_person, width).tolist()
    out = [[ids[c], i, person_id(q)] for c, i, q in zip(cases, (np.repeat(index, width) + pos).tolist(), people, strict=True)]
    pairs = np.unique(np.c_[m_person, m_case], axis=0)
    counts = np.bincount(pairs[:, 0])
    multi = pairs[counts[pairs[:, 0]] >= 2]
    seen: dict[int, list[int]] = defaultdict(list)
    for person, case in multi.tolist():
        seen[person].append(case)
    return out, seen


def build_truth(res: SynthResult) -> dict[str, Any]:
    offenders, per_case = _offenders(res)
    entities, seen = _entities(res)
    p, ids = res.people, res.case_ids
    people = {}
    for person, cases in sorted(seen.items()):
        people[person_id(person)] = {
            "name": f"{FIRST[int(p.first[person])]} {SURNAMES[int(p.last[person])]}",
            "dob": str(p.dob[person]),
            "phone": render.phone_variant(int(p.phone[person]), 0) if p.phone[person] >= 0 else None,
            "vehicle": render.registration(int(p.vehicle[person])) if p.vehicle[person] >= 0 else None,
            "handle": render.handle(FIRST[int(p.first[person])], SURNAMES[int(p.last[person])], person)
            if p.handle[person] else None,
            "cases": [ids[c] for c in sorted(cases)],
        }
    return {"format": "caselink-synth-truth", "version": VERSION, "config": asdict(res.config),
            "offenders": offenders, "case_offenders": per_case, "entities": entities, "people": people}


def true_pairs(res: SynthResult) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of case rows with an offender in common (offender or co-offender, solved or not):
    the pairs blocking should find. Rows ``a < b``, unique, sorted; the same pairs as the truth's
    ``offenders`` lists give."""
    c = res.columns
    rows = np.r_[np.flatnonzero(c.offender >= 0), np.flatnonzero(c.offender2 >= 0)].astype(np.int64)
    offs = np.r_[c.offender[c.offender >= 0], c.offender2[c.offender2 >= 0]].astype(np.int64)
    order = np.lexsort((rows, offs))
    rows, offs = rows[order], offs[order]
    starts = np.flatnonzero(np.r_[True, offs[1:] != offs[:-1]])
    sizes = np.diff(np.r_[starts, len(offs)])
    parts = []
    for s, k in zip(starts[sizes >= 2].tolist(), sizes[sizes >= 2].tolist(), strict=True):
        i, j = np.triu_indices(k, 1)
        parts.append(rows[s + i] * len(c) + rows[s + j])
    keys = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)
    return keys // max(len(c), 1), keys % max(len(c), 1)
