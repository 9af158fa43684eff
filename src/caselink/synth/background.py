"""Background cases: the many incidents that belong to no series, drawn from base rates.

They cluster around the same hot spots as offenders' homes and share the common facts (alcohol,
forced entry) that series cases share, so a linkage model has to use what is rare, not what is near.
A share of solved background cases carry a singleton series id (a known one-off offender), as in
police data where most solved offenders have one recorded offence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from caselink.synth import attributes as A
from caselink.synth import mo
from caselink.synth import vocab as V
from caselink.synth.columns import Columns, bernoulli_mask, categorical

if TYPE_CHECKING:
    from caselink.synth.profile import Profile


def background(rng: np.random.Generator, n: int, t0: int, t1: int, first_offender: int,
               prof: Profile) -> tuple[Columns, int]:
    """``n`` background cases; returns them and the next free offender id."""
    voc = prof.vocab
    c = Columns.empty(n)
    c.itype = rng.choice(len(V.TYPES), size=n, p=V.probs(voc.background_type_p, V.TYPES)).astype(np.int8)
    it = c.itype.astype(np.int64)
    c.t = A.random_times(rng, voc, c.itype, t0, t1)
    A.time_windows(rng, c, prof.missingness.date_only)
    c.x, c.y = prof.geography.sample_points(rng, n)
    c.place = categorical(rng, voc.place_probs, it).astype(np.int16)
    c.circ = mo.draw(rng, voc, it) if voc.keyed else bernoulli_mask(rng, voc.circ_rates[it])
    weapon = categorical(rng, voc.weapon_probs, it)
    A.toxicology_and_weapon(rng, voc, c, voc.subst_rates[it], weapon)
    A.victims(rng, voc, c)
    A.outcomes(rng, voc, c)
    A.degrade(rng, voc, c, prof.missingness)
    # Solved one-off cases: a named offender with no other recorded offence.
    cleared = c.status == V.STATUS_NAMES.index("cleared_arrest")
    single = cleared & (rng.random(n) < prof.behaviour.singleton_label_p)
    ids = np.cumsum(single) - 1 + first_offender
    c.offender = np.where(single, ids, -1).astype(np.int32)
    c.label1 = single.copy()
    return c, first_offender + int(single.sum())
