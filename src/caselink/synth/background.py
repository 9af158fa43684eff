"""Background cases: the many incidents that belong to no series, drawn from base rates.

They cluster around the same hot spots as offenders' homes and share the common facts (alcohol,
forced entry) that series cases share, so a linkage model has to use what is rare, not what is near.
A share of solved background cases carry a singleton series id (a known one-off offender), as in
police data where most solved offenders have one recorded offence.
"""

from __future__ import annotations

import numpy as np

from caselink.synth import attributes as A
from caselink.synth import geo
from caselink.synth import vocab as V
from caselink.synth.columns import Columns, bernoulli_mask, categorical


def background(rng: np.random.Generator, n: int, t0: int, t1: int, first_offender: int,
               singleton_label_p: float = 0.7) -> tuple[Columns, int]:
    """``n`` background cases; returns them and the next free offender id."""
    c = Columns.empty(n)
    c.itype = rng.choice(len(V.TYPES), size=n, p=V.probs(V.BACKGROUND_TYPE_P, V.TYPES)).astype(np.int8)
    it = c.itype.astype(np.int64)
    c.t = A.random_times(rng, c.itype, t0, t1)
    A.time_windows(rng, c)
    c.x, c.y = geo.sample_points(rng, n)
    c.place = categorical(rng, A.place_probs(), it).astype(np.int16)
    c.circ = bernoulli_mask(rng, A.circ_rates()[it])
    weapon = categorical(rng, A.weapon_probs(), it)
    A.toxicology_and_weapon(rng, c, A.subst_rates()[it], weapon)
    A.victims(rng, c)
    A.outcomes(rng, c)
    A.degrade(rng, c)
    # Solved one-off cases: a named offender with no other recorded offence.
    cleared = c.status == V.STATUS_NAMES.index("cleared_arrest")
    single = cleared & (rng.random(n) < singleton_label_p)
    ids = np.cumsum(single) - 1 + first_offender
    c.offender = np.where(single, ids, -1).astype(np.int32)
    c.label1 = single.copy()
    return c, first_offender + int(single.sum())
