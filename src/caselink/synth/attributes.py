"""Attributes every synthetic case gets the same way, series or not: time windows, victims,
outcomes, toxicology, and the missing and noisy fields that real records have."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from caselink.synth import vocab as V
from caselink.synth.columns import Columns, bernoulli_mask, categorical

if TYPE_CHECKING:
    from caselink.synth.profile import Missingness, Vocab

HOUR, DAY = 3600, 86400


def random_times(rng: np.random.Generator, voc: Vocab, itype: np.ndarray, t0: int, t1: int) -> np.ndarray:
    """Times over days in [t0, t1) with each type's hour-of-day profile; night-time violence
    leans towards Friday and Saturday nights."""
    n = len(itype)
    n_days = max(1, (t1 - t0) // DAY)
    days = rng.integers(0, n_days, size=n)
    dow = (t0 // DAY + days + 3) % 7  # Monday = 0
    nightly = np.array([voc.hour_profile[t] == "night" for t in V.TYPES])[itype.astype(np.int64)]
    to_weekend = nightly & (dow < 4) & (rng.random(n) < 0.3)
    days = np.where(to_weekend & (days + 4 - dow < n_days), days + 4 - dow + (rng.random(n) < 0.5), days)
    days = np.minimum(days, n_days - 1)
    hours = categorical(rng, voc.hours, itype.astype(np.int64))
    minutes = rng.integers(0, 60, size=n)
    return t0 + days * DAY + hours * HOUR + minutes * 60


def lognormal_s(rng: np.random.Generator, median_s: float, sigma: float, n: int) -> np.ndarray:
    return (median_s * np.exp(rng.normal(0.0, sigma, n))).astype(np.int64)


def time_windows(rng: np.random.Generator, c: Columns, date_only: float = 0.03) -> None:
    """Set before/after/found: deaths found later have wide intervals; assaults are exact."""
    n, it = len(c), c.itype
    before, after, found = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
    burg = it == V.T["burglary"]
    before[burg] = rng.integers(HOUR // 2, 10 * HOUR, burg.sum())
    after[burg] = rng.integers(HOUR // 2, 8 * HOUR, burg.sum())
    dead = (it == V.T["death"]) | ((it == V.T["homicide"]) & (rng.random(n) < 0.35))
    before[dead] = np.minimum(lognormal_s(rng, 10 * HOUR, 1.2, dead.sum()), 30 * DAY)
    after[dead] = np.minimum(lognormal_s(rng, 6 * HOUR, 1.3, dead.sum()), 20 * DAY)
    sex = it == V.T["sexual_offence"]
    vague = sex & (rng.random(n) < 0.25)
    before[vague] = rng.integers(HOUR, 5 * HOUR, vague.sum())
    after[vague] = rng.integers(HOUR, 5 * HOUR, vague.sum())
    found[:] = after + rng.integers(0, 2 * HOUR, n)
    found[sex] = after[sex] + lognormal_s(rng, DAY, 2.0, sex.sum())
    miss = it == V.T["missing_person"]
    found[miss] = rng.integers(2 * HOUR, 72 * HOUR, miss.sum())
    found[dead] = after[dead]
    c.before, c.after = before // 60 * 60, after // 60 * 60
    c.found = np.where(rng.random(n) < 0.85, found // 60 * 60, -1)
    c.found[dead] = after[dead] // 60 * 60
    c.date_only = rng.random(n) < date_only


def victims(rng: np.random.Generator, voc: Vocab, c: Columns, male: np.ndarray | None = None,
            age: np.ndarray | None = None, tags: np.ndarray | None = None) -> None:
    """Victim sex, age, ethnicity and tags from the type's base rates, unless given."""
    n, names = len(c), [V.TYPES[i] for i in range(len(V.TYPES))]
    it = c.itype.astype(np.int64)
    if male is None:
        male = rng.random(n) < np.array([voc.male_p.get(t, 0.5) for t in names])[it]
    c.vsex = np.where(male, 0, 1).astype(np.int8)
    c.vsex[rng.random(n) < 0.01] = 3
    if age is None:
        ms = np.array([voc.age_ms.get(t, (40, 16)) for t in names], dtype=np.float64)[it]
        age = rng.normal(ms[:, 0], ms[:, 1])
    age = np.where(age < 16, 16 + np.abs(age - 16) * 0.5, age)  # fold the left tail, no pile-up at a bound
    c.vage = np.clip(np.rint(age), 16, 97).astype(np.int16)
    c.veth = rng.choice(len(voc.ethnicities), size=n, p=voc.ethnicity_p).astype(np.int8)
    if tags is None:
        tags = bernoulli_mask(rng, np.broadcast_to(voc.tag_rates, (n, len(voc.tag_rates))))
    c.vtags = np.where(rng.random(n) < voc.tags_recorded_p, tags, np.uint64(0))


def outcomes(rng: np.random.Generator, voc: Vocab, c: Columns) -> None:
    """Classification, status and investigative actions."""
    it = c.itype.astype(np.int64)
    k = categorical(rng, voc.class_probs, it)
    c.klass = np.where(k == len(V.CLASSES), -1, k).astype(np.int8)
    c.status = categorical(rng, voc.status_probs, it).astype(np.int8)
    c.actions = bernoulli_mask(rng, np.broadcast_to(voc.action_rates, (len(c), len(voc.action_rates))))


def toxicology_and_weapon(rng: np.random.Generator, voc: Vocab, c: Columns, subs_rates: np.ndarray,
                          weapon: np.ndarray) -> None:
    """Substances only where toxicology was done; the weapon only where it was recorded."""
    it = c.itype.astype(np.int64)
    tox = rng.random(len(c)) < voc.tox_recorded[it]
    c.subs = np.where(tox, bernoulli_mask(rng, subs_rates), np.uint64(0))
    rec = rng.random(len(c)) < voc.weapon_recorded[it]
    c.weapon = np.where(rec, weapon, -1).astype(np.int16)


def degrade(rng: np.random.Generator, voc: Vocab, c: Columns, miss: Missingness) -> None:
    """Missing and noisy fields: unrecorded places, rounded ages, absent locations, typos in facts."""
    n = len(c)
    c.has_loc &= rng.random(n) >= miss.location
    c.place[rng.random(n) < miss.place] = -1
    noisy = rng.random(n) < miss.age_noise
    c.vage[noisy] = np.clip(c.vage[noisy] + rng.integers(-3, 4, noisy.sum()), 16, 97)
    c.vage[rng.random(n) < miss.age] = -1
    c.veth[rng.random(n) < miss.ethnicity] = -1
    c.vsex[rng.random(n) < miss.sex] = -1
    # Under-recording: each recorded fact is lost with probability 1 - fact_keep.
    keep = bernoulli_mask(rng, np.broadcast_to(np.float32(miss.fact_keep), (n, len(voc.circumstances))))
    c.circ &= keep
    c.narr_missing = rng.random(n) < miss.narrative
