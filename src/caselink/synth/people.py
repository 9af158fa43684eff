"""People, phones and vehicles mentioned in cases, and which true person each mention is.

Most people are mentioned once (a victim, a passer-by who called 999). Some recur: local
"regulars" who report or witness several unrelated incidents in their area (shared people that
are *not* evidence of a series), and offenders who appear in their own cases as the caller, a
witness or an associate. Names follow Zipf-like frequencies, so distinct people share common names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from caselink.schema.fields import ENTITY_ROLES
from caselink.synth import vocab as V
from caselink.synth.columns import Columns
from caselink.synth.names import FIRST, N_MALE, N_SWITCHBOARDS, PHONE_POOL, SURNAMES

if TYPE_CHECKING:
    from caselink.synth.profile import Profile, Vocab

ROLE = {r: i for i, r in enumerate(ENTITY_ROLES)}
DAY = 86400


@dataclass
class People:
    first: np.ndarray      # index into names.FIRST
    last: np.ndarray       # index into names.SURNAMES
    dob: np.ndarray        # ISO date strings
    phone: np.ndarray      # index into the drama phone pool, -1 none
    vehicle: np.ndarray    # registration index, -1 none
    recurring: np.ndarray  # bool: offender or regular (their names are written in varied ways)
    handle: np.ndarray     # bool: has an online handle (derived from the name and person id)

    def __len__(self) -> int:
        return len(self.first)


@dataclass
class Mentions:
    """One row per person mentioned in a case, sorted by case row."""

    case: np.ndarray
    person: np.ndarray
    role: np.ndarray
    show_dob: np.ndarray
    show_phone: np.ndarray
    show_vehicle: np.ndarray
    show_handle: np.ndarray
    handle_only: np.ndarray  # bool: only the person's online handle is known (e.g. a dating profile)
    r: np.ndarray          # per-mention random integer driving the spelling


def _zipf(rng: np.random.Generator, n_items: int, size: int, a: float = 0.8) -> np.ndarray:
    w = 1.0 / np.arange(1, n_items + 1) ** a
    return rng.choice(n_items, size=size, p=w / w.sum())


def _new_people(rng: np.random.Generator, male: np.ndarray, born_day: np.ndarray,
                phone_p: float, vehicle_p: float, recurring: bool, handle_p: float = 0.03) -> dict[str, np.ndarray]:
    n = len(male)
    first = np.where(male, _zipf(rng, N_MALE, n), N_MALE + _zipf(rng, len(FIRST) - N_MALE, n))
    return {"first": first, "last": _zipf(rng, len(SURNAMES), n), "born": born_day,
            "want_phone": rng.random(n) < phone_p, "want_vehicle": rng.random(n) < vehicle_p,
            "recurring": np.full(n, recurring), "handle": rng.random(n) < handle_p}


def _mentions(rng: np.random.Generator, case: np.ndarray, person: np.ndarray, role: np.ndarray | int,
              dob_p: float, handle_only: bool = False) -> dict[str, np.ndarray]:
    n = len(case)
    return {"case": case, "person": person, "role": np.broadcast_to(np.asarray(role), (n,)).astype(np.int8),
            "show_dob": rng.random(n) < dob_p, "show_phone": rng.random(n) < 0.6,
            "show_vehicle": rng.random(n) < 0.35, "show_handle": rng.random(n) < 0.3,
            "handle_only": np.full(n, handle_only), "r": rng.integers(0, 2**31, n)}


def plan_entities(rng: np.random.Generator, c: Columns, appear_p: np.ndarray,
                  forced: list[tuple[int, int, str]], area: np.ndarray, prof: Profile) -> tuple[People, Mentions]:
    """Decide who is mentioned in each case. ``appear_p[o]``: chance offender ``o`` is named in
    their own case; ``forced``: (case row, offender id, role) mentions that must exist; ``area``:
    each case's borough index (regulars are local)."""
    n, k = len(c), len(appear_p)
    years = c.t // (365 * DAY)
    groups = [_new_people(rng, rng.random(k) < 0.9, rng.integers(-10, 25, k) * 365 + rng.integers(0, 365, k),
                          0.7, 0.5, True, handle_p=0.5)]
    n_reg = max(5, n // 80)
    reg_area = rng.integers(0, len(prof.geography.areas), n_reg)
    groups.append(_new_people(rng, rng.random(n_reg) < 0.6, rng.integers(-20 * 365, 20 * 365, n_reg), 0.7, 0.3, True))
    base = k + n_reg
    parts: list[dict[str, np.ndarray]] = []
    # Victims named in the record.
    it_names = np.array([prof.vocab.victim_named_p.get(t, 0.3) for t in V.TYPES])
    vic = np.flatnonzero(rng.random(n) < it_names[c.itype.astype(np.int64)])
    age = np.where(c.vage[vic] >= 0, c.vage[vic], rng.integers(18, 70, len(vic)))
    born = c.t[vic] // DAY - age * 365 - rng.integers(0, 365, len(vic))
    groups.append(_new_people(rng, c.vsex[vic] != 1, born, 0.1, 0.05, False))
    parts.append(_mentions(rng, vic, base + np.arange(len(vic)), ROLE["victim"], 0.8))
    base += len(vic)
    # Callers and witnesses: mostly one-off, sometimes a local regular.
    order = np.argsort(reg_area, kind="stable")
    lo = np.searchsorted(reg_area[order], area, side="left")
    hi = np.searchsorted(reg_area[order], area, side="right")
    for role, p, reg_p in (("reporter", 0.45, 0.08), ("witness", 0.12, 0.12)):
        rows = np.flatnonzero(rng.random(n) < p)
        regular = (rng.random(len(rows)) < reg_p) & (hi[rows] > lo[rows])
        pick = lo[rows] + (rng.random(len(rows)) * (hi[rows] - lo[rows])).astype(np.int64)
        one = int((~regular).sum())
        person = np.empty(len(rows), dtype=np.int64)
        person[~regular] = base + np.arange(one)
        person[regular] = k + order[np.minimum(pick[regular], n_reg - 1)]
        groups.append(_new_people(rng, rng.random(one) < 0.5, years[rows[~regular]] * 365 - rng.integers(18 * 365, 80 * 365, one),
                                  0.25, 0.1, False))
        parts.append(_mentions(rng, rows, person, ROLE[role], 0.4))
        base += one
    parts.extend(_offender_mentions(rng, c, appear_p, forced, prof.vocab))
    people = _finish_people(groups)
    return people, _sorted_mentions(parts)


def _offender_mentions(rng: np.random.Generator, c: Columns, appear_p: np.ndarray,
                       forced: list[tuple[int, int, str]], voc: Vocab) -> list[dict[str, np.ndarray]]:
    out = []
    roles = np.array([ROLE["reporter"], ROLE["witness"], ROLE["associate"], ROLE["associate"]])
    for off, label in ((c.offender, c.label1), (c.offender2, c.label2)):
        rows = np.flatnonzero(off >= 0)
        seen = rows[rng.random(len(rows)) < appear_p[off[rows]]]
        out.append(_mentions(rng, seen, off[seen].astype(np.int64), roles[rng.integers(0, 4, len(seen))], 0.5))
        named = rows[label[rows] & (rng.random(len(rows)) < 0.55)]
        out.append(_mentions(rng, named, off[named].astype(np.int64), ROLE["suspect"], 0.85))
        bit = np.uint64(voc.C[voc.online_fact]) if voc.online_fact is not None else None
        online = rows[((c.circ[rows] >> bit) & np.uint64(1)).astype(bool)] if bit is not None else rows[:0]
        online = online[rng.random(len(online)) < 0.6]
        out.append(_mentions(rng, online, off[online].astype(np.int64), ROLE["associate"], 0.0, handle_only=True))
    if forced:
        rows_f = np.array([f[0] for f in forced], dtype=np.int64)
        out.append(_mentions(rng, rows_f, np.array([f[1] for f in forced], dtype=np.int64),
                             np.array([ROLE[f[2]] for f in forced]), 0.3))
    return out


def _finish_people(groups: list[dict[str, np.ndarray]]) -> People:
    g = {key: np.concatenate([x[key] for x in groups]) for key in groups[0]}
    n = len(g["first"])
    phone = -np.ones(n, dtype=np.int64)
    want = np.flatnonzero(g["want_phone"])[:PHONE_POOL - N_SWITCHBOARDS]  # offenders and regulars first
    phone[want] = np.arange(len(want))
    vehicle = np.where(g["want_vehicle"], np.arange(n), -1)
    dob = np.datetime_as_string(g["born"].astype("datetime64[D]"), unit="D")
    return People(first=g["first"], last=g["last"], dob=dob, phone=phone, vehicle=vehicle, recurring=g["recurring"],
                  handle=g["handle"])


def _sorted_mentions(parts: list[dict[str, np.ndarray]]) -> Mentions:
    m = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    # One mention per (case, person): a person named twice in one case keeps the first role, and a
    # named mention wins over a handle-only one.
    order = np.lexsort((m["handle_only"], m["role"], m["case"]))
    m = {key: v[order] for key, v in m.items()}
    key = m["case"] * (1 << 32) + m["person"]
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    return Mentions(**{k: v[keep] for k, v in m.items()})


def entity_layout(m: Mentions, p: People) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Which entities each mention writes, in this order: person, phone, vehicle, handle."""
    named = ~m.handle_only
    phone = named & m.show_phone & (p.phone[m.person] >= 0)
    vehicle = named & m.show_vehicle & (p.vehicle[m.person] >= 0)
    handle = p.handle[m.person] & (m.handle_only | m.show_handle)
    return named, phone, vehicle, handle
