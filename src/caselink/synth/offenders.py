"""Serial offenders and their series: a home base with distance decay, habits in time, and an
MO that is consistent but drifts (a fact picked up mid-series, another dropped, a change of type).

Every habit is a tendency, not a rule: an offender's signature facts are recorded in most of their
cases, not all; a commuter offends around a second anchor; gaps between offences are heavy-tailed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from caselink.synth import attributes as A
from caselink.synth import mo
from caselink.synth import vocab as V
from caselink.synth.columns import Columns, bernoulli_mask, categorical

if TYPE_CHECKING:
    from caselink.synth.profile import Behaviour, Profile, Vocab

DAY = 86400
N_SIG = 3


@dataclass
class Profiles:
    """One row per serial offender (arrays); ids are ``first_id + row``."""

    first_id: int
    size: np.ndarray
    itype: np.ndarray
    home_x: np.ndarray
    home_y: np.ndarray
    alt_x: np.ndarray
    alt_y: np.ndarray
    alt_p: np.ndarray
    range_km: np.ndarray
    hour: np.ndarray
    hour_sd: np.ndarray
    weekend: np.ndarray
    gap_days: np.ndarray
    place: np.ndarray        # (K, 2) preferred place types
    place_p: np.ndarray
    sig: np.ndarray          # (K, N_SIG) signature circumstances (-1 none); keyed MO: (K, keys) usual value
    sig_p: np.ndarray        # (K, N_SIG) or (K, keys)
    drift_at: np.ndarray     # fraction of the series at which slot 2 starts and slot 1 may stop
    drug: np.ndarray         # index into SUBSTANCES, -1 none
    weapon: np.ndarray
    weapon_p: np.ndarray
    male: np.ndarray         # preferred victim sex is male
    sex_p: np.ndarray
    age_mu: np.ndarray
    age_sd: np.ndarray
    tag: np.ndarray          # preferred victim tag, -1 none
    solved: np.ndarray
    partner: np.ndarray      # co-offender id, -1 none
    appear_p: np.ndarray     # chance the offender is named in a case (as caller, associate...)
    sig_alt: np.ndarray | None = None  # keyed MO: (K, keys) value after the drift, -1 none

    def __len__(self) -> int:
        return len(self.size)


def series_sizes(rng: np.random.Generator, total: int, p: float = 0.3, cap: int = 30) -> np.ndarray:
    """Series lengths (>= 2, heavy-tailed, 1 + geometric(p), mean about 4 at 0.3) adding up to ``total``."""
    if total < 2:
        return np.zeros(0, dtype=np.int64)
    sizes = np.minimum(1 + rng.geometric(p, size=total // 2 + 2), cap)
    cut = int(np.searchsorted(np.cumsum(sizes), total))
    sizes = sizes[: cut + 1]
    sizes[-1] -= int(sizes.sum()) - total
    if sizes[-1] < 2:
        sizes = sizes[:-1]
        if len(sizes):
            sizes[-1] += total - int(sizes.sum())
    return sizes.astype(np.int64)


def _signatures(rng: np.random.Generator, voc: Vocab, itype: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signature facts, biased towards facts that are rarer for the type (rate ** 0.3 weights)."""
    k = len(itype)
    w = voc.circ_rates ** 0.3
    w /= w.sum(axis=1, keepdims=True)
    sig = np.stack([categorical(rng, w, itype) for _ in range(N_SIG)], axis=1)
    off_type = rng.random((k, N_SIG)) < 0.15
    sig[off_type] = rng.integers(0, len(voc.circumstances), off_type.sum())
    sig[:, 2][rng.random(k) < 0.4] = -1
    return sig, rng.uniform(0.35, 0.85, (k, N_SIG))


def _habits(rng: np.random.Generator, voc: Vocab, itype: np.ndarray, first_id: int,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Signature facts (or keyed MO values), their rates, the drug an offender uses and the
    value a keyed MO drifts to."""
    k = len(itype)
    if voc.keyed:
        sig, sig_p, alt = mo.signatures(rng, voc, itype)
        return sig, sig_p, -np.ones(k, dtype=np.int64), alt
    sig, sig_p = _signatures(rng, voc, itype)
    drugs = np.array([voc.S[d] for d in voc.sedatives])
    drugger = (itype == V.T["death"]) | ((itype == V.T["sexual_offence"]) & (rng.random(k) < 0.3))
    drug = np.where(drugger, drugs[rng.integers(0, len(drugs), k)], -1)
    if voc.drug_fact is not None:
        sig[drugger, 0] = voc.C[voc.drug_fact]
    online = np.isin(itype, [V.T["sexual_offence"], V.T["death"]]) & (rng.random(k) < 0.2)
    if voc.online_fact is not None:
        sig[online, 1] = voc.C[voc.online_fact]  # finds victims through dating apps
    return sig, sig_p, drug, None


def _near_homes(rng: np.random.Generator, hx: np.ndarray, hy: np.ndarray, who: np.ndarray) -> np.ndarray:
    """For each offender in ``who``, one of the five offenders living nearest (a local co-offender)."""
    from scipy.spatial import cKDTree

    if len(hx) < 2 or len(who) == 0:
        return who.copy()
    near = min(6, len(hx))
    _, idx = cKDTree(np.c_[hx, hy]).query(np.c_[hx[who], hy[who]], k=near)
    return idx[np.arange(len(who)), rng.integers(1, near, len(who))].astype(np.int64)


def make_profiles(rng: np.random.Generator, total_cases: int, first_id: int, prof: Profile) -> Profiles:
    voc, b = prof.vocab, prof.behaviour
    size = series_sizes(rng, total_cases, b.series_size_p, b.series_size_max)
    k = len(size)
    itype = rng.choice(len(V.TYPES), size=k, p=V.probs(voc.offender_type_p, V.TYPES)).astype(np.int64)
    geog = prof.geography
    hx, hy = geog.sample_points(rng, k, hot_share=b.home_hot_share, spread=b.home_spread)
    ax, ay = geog.nearest_hot_spot(hx + rng.normal(0, b.alt_km, k), hy + rng.normal(0, b.alt_km, k))
    places = np.stack([categorical(rng, voc.place_probs, itype) for _ in range(2)], axis=1)
    sig, sig_p, drug, alt = _habits(rng, voc, itype, first_id)
    ages = np.array([voc.age_ms.get(V.TYPES[i], (40, 16))[0] for i in itype], dtype=np.float64)
    male_p = np.array([voc.male_p.get(V.TYPES[i], 0.5) for i in itype])
    partner = -np.ones(k, dtype=np.int64)
    has_partner = rng.random(k) < b.partner_share
    if b.local_partners:
        partner[has_partner] = first_id + _near_homes(rng, hx, hy, np.flatnonzero(has_partner))
    else:
        partner[has_partner] = first_id + rng.integers(0, max(k, 1), has_partner.sum())
    partner[partner == first_id + np.arange(k)] = -1
    return Profiles(
        first_id=first_id, size=size, itype=itype, home_x=hx, home_y=hy, alt_x=ax, alt_y=ay,
        alt_p=np.where(rng.random(k) < b.alt_share, rng.uniform(0.25, 0.7, k), 0.0),
        range_km=np.minimum(np.exp(rng.normal(np.log(b.range_km_median), b.range_km_sigma, k)), b.range_km_max),
        hour=(categorical(rng, voc.hours, itype) + rng.random(k)) % 24,
        hour_sd=rng.uniform(1.5, 6.0, k), weekend=rng.random(k) < b.weekend_share,
        gap_days=np.exp(rng.normal(np.log(b.gap_days_median), 1.0, k)),
        place=places, place_p=rng.uniform(0.3, 0.8, k), sig=sig, sig_p=sig_p,
        drift_at=rng.uniform(0.2, 0.8, k), drug=drug, weapon=categorical(rng, voc.weapon_probs, itype),
        weapon_p=rng.uniform(0.4, 0.9, k), male=rng.random(k) < male_p, sex_p=rng.uniform(0.6, 0.97, k),
        age_mu=np.clip(ages + rng.normal(0, 8, k), 17, 80), age_sd=rng.uniform(4, 12, k),
        tag=np.where(rng.random(k) < 0.25, rng.integers(0, len(voc.victim_tags), k), -1),
        solved=rng.random(k) < b.solved_share, partner=partner,
        appear_p=np.where(rng.random(k) < b.appear_share, rng.uniform(0.2, 0.6, k), 0.0), sig_alt=alt,
    )


def _times(rng: np.random.Generator, p: Profiles, off: np.ndarray, j: np.ndarray, t0: int, t1: int,
           b: Behaviour) -> np.ndarray:
    gaps = p.gap_days[off] * np.exp(rng.normal(0, 1.2, len(off))) * DAY
    gaps[j == 0] = 0
    csum = np.cumsum(gaps)
    starts = np.repeat(np.r_[0, np.cumsum(p.size)[:-1]], p.size)
    elapsed = csum - csum[starts] + gaps[starts] * 0
    span = float(t1 - t0) - 2 * DAY
    duration = np.maximum(np.repeat(np.add.reduceat(gaps, np.r_[0, np.cumsum(p.size)[:-1]]), p.size), 1.0)
    squeeze = np.minimum(1.0, span / duration)
    if b.max_active_days is not None:  # offenders active for at most this long
        squeeze = np.minimum(squeeze, b.max_active_days * DAY / duration)
    begin = t0 + rng.random(len(p))[off] * np.maximum(span - duration * squeeze, 0)
    day = ((begin + elapsed * squeeze) // DAY).astype(np.int64)
    dow = (day + 3) % 7  # Monday = 0
    shift = np.where(dow < 4, 4 - dow, 0)
    weekend = p.weekend[off] & (rng.random(len(off)) < 0.75)
    day = np.where(weekend, day + shift, day)
    hour = (p.hour[off] + rng.normal(0, 1, len(off)) * p.hour_sd[off]) % 24
    return np.minimum(day * DAY + (hour * 3600).astype(np.int64), t1 - 1)


def _places(rng: np.random.Generator, p: Profiles, off: np.ndarray, c: Columns, drifted: np.ndarray,
            prof: Profile) -> None:
    n = len(off)
    alt = rng.random(n) < p.alt_p[off]
    ax, ay = np.where(alt, p.alt_x[off], p.home_x[off]), np.where(alt, p.alt_y[off], p.home_y[off])
    d = np.maximum(p.range_km[off] * np.exp(rng.normal(0, 0.9, n)), 0.15)
    a = rng.uniform(0, 2 * np.pi, n)
    c.x, c.y = prof.geography.clip(ax + d * np.cos(a), ay + d * np.sin(a))
    pref = p.place[off, rng.integers(0, 2, n)]
    own = (rng.random(n) < p.place_p[off]) & ~drifted
    c.place = np.where(own, pref, categorical(rng, prof.vocab.place_probs, c.itype.astype(np.int64))).astype(np.int16)


def _signature_facts(rng: np.random.Generator, p: Profiles, off: np.ndarray, frac: np.ndarray,
                     rates: np.ndarray) -> np.ndarray:
    """Independent facts at base ``rates``, raised to the offender's rate for their signatures."""
    rows = np.arange(len(off))
    for s in range(N_SIG):
        sig = p.sig[off, s]
        on = sig >= 0
        if s == 1:
            on &= ~((frac > p.drift_at[off]) & (p.drift_at[off] > 0.5))
        if s == 2:
            on &= frac >= p.drift_at[off]
        rates[rows[on], sig[on]] = np.maximum(rates[rows[on], sig[on]], p.sig_p[off[on], s])
    return bernoulli_mask(rng, rates)


def _facts(rng: np.random.Generator, p: Profiles, off: np.ndarray, frac: np.ndarray, c: Columns, voc: Vocab) -> None:
    it = c.itype.astype(np.int64)
    rows = np.arange(len(off))
    if voc.keyed:
        assert p.sig_alt is not None
        c.circ = mo.series_draw(rng, voc, p.sig, p.sig_p, p.sig_alt, off, frac >= p.drift_at[off], it)
    else:
        c.circ = _signature_facts(rng, p, off, frac, voc.circ_rates[it] * 0.8)
    subs = voc.subst_rates[it].copy()
    drug = p.drug[off]
    has = drug >= 0
    subs[rows[has], drug[has]] = 0.85
    weapon = np.where(rng.random(len(off)) < p.weapon_p[off], p.weapon[off],
                      categorical(rng, voc.weapon_probs, it))
    A.toxicology_and_weapon(rng, voc, c, subs, weapon)


def series_cases(rng: np.random.Generator, p: Profiles, t0: int, t1: int, prof: Profile) -> Columns:
    """Every case of every offender in ``p``, with victims and outcomes."""
    n = int(p.size.sum())
    c = Columns.empty(n)
    off = np.repeat(np.arange(len(p)), p.size)
    j = np.arange(n) - np.repeat(np.r_[0, np.cumsum(p.size)[:-1]], p.size)
    frac = j / np.maximum(p.size[off] - 1, 1)
    voc = prof.vocab
    drifted = rng.random(n) < prof.behaviour.drift_share
    alt_type = np.array([[V.T[d] for d in voc.drift_types.get(V.TYPES[i], ("other", "other"))] for i in range(len(V.TYPES))])
    c.itype = np.where(drifted, alt_type[p.itype[off], rng.integers(0, 2, n)], p.itype[off]).astype(np.int8)
    c.t = _times(rng, p, off, j, t0, t1, prof.behaviour)
    A.time_windows(rng, c, prof.missingness.date_only)
    _places(rng, p, off, c, drifted, prof)
    _facts(rng, p, off, frac, c, voc)
    male = np.where(rng.random(n) < p.sex_p[off], p.male[off], rng.random(n) < 0.5)
    tags = np.zeros(n, dtype=np.uint64)
    tagged = (p.tag[off] >= 0) & (rng.random(n) < 0.8)
    tags[tagged] = np.left_shift(np.uint64(1), p.tag[off][tagged].astype(np.uint64))
    A.victims(rng, voc, c, male=male, age=rng.normal(p.age_mu[off], p.age_sd[off]), tags=tags)
    A.outcomes(rng, voc, c)
    _series_outcomes(rng, p, off, c)
    A.degrade(rng, voc, c, prof.missingness)
    return c


def _series_outcomes(rng: np.random.Generator, p: Profiles, off: np.ndarray, c: Columns) -> None:
    n = len(off)
    c.offender = (p.first_id + off).astype(np.int32)
    c.label1 = p.solved[off] & (rng.random(n) < 0.92)
    c.status = np.where(c.label1 & (rng.random(n) < 0.85), V.STATUS_NAMES.index("cleared_arrest"), c.status).astype(np.int8)
    partner = p.partner[off]
    co = (partner >= 0) & (rng.random(n) < 0.4)
    c.offender2 = np.where(co, partner, -1).astype(np.int32)
    c.label2 = co & p.solved[np.maximum(partner - p.first_id, 0)] & (rng.random(n) < 0.9)
    c.style = (p.first_id + off).astype(np.int64)
