"""A planted series modelled on the Barking deaths (2014-15), for the linkage demo.

Four young gay men die of GHB within a few hundred metres of each other (a churchyard, a block of
flats); each death is recorded as non-suspicious and nobody links them. The same man calls 999
about the first and is named as an associate in the last; a note is left with the third. Names,
exact places and wording are fictional: only the pattern of the real failure is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from caselink.synth import geo
from caselink.synth import vocab as V
from caselink.synth.columns import Columns

OFFENDER_NAME = ("Anthony", "Marsh")
PHONE_INDEX = 123  # +44 7700 900123, an Ofcom drama number
_CHURCHYARD = (51.53615, 0.07665)

# (last seen alive, found, lat, lon, place, age, circumstances, substances, tagged gay)
_DEATHS = (
    ("2014-06-18T22:30", "2014-06-19T04:10", 51.53890, 0.07940, "street", 23,
     ("met_online", "body_moved"), ("ghb",), True),
    ("2014-08-27T21:00", "2014-08-28T07:25", 51.53622, 0.07641, "churchyard", 22,
     ("met_online", "undressed"), ("alcohol", "ghb"), True),
    ("2014-09-19T19:00", "2014-09-20T08:05", 51.53598, 0.07702, "churchyard", 21,
     ("note_left", "undressed"), ("ghb",), False),
    ("2015-09-13T22:00", "2015-09-14T10:40", 51.53705, 0.07560, "churchyard", 25,
     ("met_online",), ("ghb",), True),
)
NARRATIVES = (
    "999 call at 04:10 from a man who said he had found a young man collapsed outside a block of "
    "flats near the town centre. The deceased, 23, had arranged to meet someone through a dating "
    "app the evening before. Toxicology: GHB. His position suggests he was moved after death. "
    "Treated as a drug overdose; no suspicious circumstances.",
    "Body of a young man found by a dog walker sitting against the churchyard wall in the early "
    "morning. Partially undressed. He had been messaging a man on a dating app. Toxicology shows GHB "
    "and alcohol. Believed accidental overdose; not treated as suspicious. Family told police he did "
    "not use drugs.",
    "Deceased found in the churchyard, close to where a young man was found three weeks earlier. "
    "A handwritten note was recovered with the body, apparently saying he had taken the drug and "
    "was responsible for the earlier death. Toxicology: GHB. Not treated as suspicious.",
    "Body of a young man found near the church, a short walk from the churchyard. He had arranged "
    "to meet a man he contacted online. Friends say he did not take drugs. Tox screen positive for "
    "GHB. No suspicious circumstances recorded.",
)


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def covers(t0: int, t1: int) -> bool:
    """Whether a generation window includes the planted series' dates."""
    return t0 <= _epoch(_DEATHS[0][0]) and _epoch(_DEATHS[-1][1]) < t1


def barking_cases(offender: int) -> Columns:
    """The four planted deaths as columns (offender id ``offender``, never labelled)."""
    c = Columns.empty(len(_DEATHS))
    seen = np.array([_epoch(d[0]) for d in _DEATHS])
    found = np.array([_epoch(d[1]) for d in _DEATHS])
    c.itype[:] = V.T["death"]
    c.t = seen + (found - seen) // 3
    c.before, c.after, c.found = c.t - seen, found - c.t, found - c.t
    c.x, c.y = geo.to_km(np.array([d[2] for d in _DEATHS]), np.array([d[3] for d in _DEATHS]))
    c.place = np.array([V.PLACES.index(d[4]) for d in _DEATHS], dtype=np.int16)
    c.vage = np.array([d[5] for d in _DEATHS], dtype=np.int16)
    c.vsex[:] = V.SEXES.index("M")
    c.veth[:] = V.ETHNICITIES.index("White")
    gay = np.uint64(1) << np.uint64(V.VICTIM_TAGS.index("gay"))
    c.vtags = np.array([gay if d[8] else 0 for d in _DEATHS], dtype=np.uint64)
    c.circ = np.array([sum(1 << V.C[f] for f in d[6]) for d in _DEATHS], dtype=np.uint64)
    c.subs = np.array([sum(1 << V.S[s] for s in d[7]) for d in _DEATHS], dtype=np.uint64)
    c.klass[:] = V.CLASSES.index("non_suspicious")
    c.status[:] = V.STATUS_NAMES.index("closed")
    c.actions[:] = 1 << V.ACTIONS.index("next_of_kin_informed")
    c.offender[:] = offender
    c.style[:] = offender
    return c


def churchyard_km() -> tuple[float, float]:
    x, y = geo.to_km(np.array([_CHURCHYARD[0]]), np.array([_CHURCHYARD[1]]))
    return float(x[0]), float(y[0])
