"""The keyed MO blocks: cases sharing an (incident type, circumstance), with windows that widen as
the key gets rarer.

A serial burglar who enters by the rear window and takes only jewellery may offend over a year
and several km: too far for the space-time block, but his keys (``burglary`` with ``entry:rear_window``,
``burglary`` with ``taken:jewellery``) are shared by few cases, so all of them within a wide window are cheap to
compare. Keys are put into rarity levels by the share of cases that have them (counted over the
whole frame, so a full and an incremental run use the same levels); each level is its own grid
block, whose windows ``adapt`` shrinks from a wide start until a case has at most its cap of
partners on average. Common keys end up with windows like the plain same-MO block's; rare ones
keep the whole region and years.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from caselink.candidates.grid import Located
from caselink.lists import flatten

if TYPE_CHECKING:
    import pandas as pd

def _entries(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) for every distinct (incident type, circumstance) of every case."""
    import pandas as pd
    import pyarrow.compute as pc

    if "circumstances" not in frame or "incident_type" not in frame or len(frame) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rows, values = flatten(frame["circumstances"])
    enc = pc.dictionary_encode(values)
    v = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    t = pd.factorize(frame["incident_type"].astype(str))[0].astype(np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    keys = t[rows] * max(len(enc.dictionary), 1) + v
    return rows, keys


def keyed_levels(frame: pd.DataFrame, kind: np.ndarray, u: np.ndarray, v: np.ndarray, lo: np.ndarray,
                 hi: np.ndarray, max_lat: float, bounds: tuple[float, ...]) -> list[Located]:
    """One ``Located`` per rarity level: keys shared by at most ``bounds[i]`` of the cases (and
    more than ``bounds[i-1]``), located cases only, each key a group (per coordinate system)."""
    import pandas as pd

    rows, keys = _entries(frame)
    located = kind[rows] >= 0
    rows, keys = rows[located], keys[located]
    if len(rows) == 0:
        return []
    uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    share = counts[inverse] / max(len(frame), 1)
    shared = counts[inverse] >= 2
    out, lower = [], 0.0
    for upper in bounds:
        sel = np.flatnonzero(shared & (share > lower) & (share <= upper))
        lower = upper
        if len(sel) == 0:
            out.append(Located(np.empty(0, np.int64), np.empty(0, np.int64), kind, u, v, lo, hi, max_lat))
            continue
        group = pd.factorize(inverse[sel] * 2 + kind[rows[sel]])[0].astype(np.int64)
        out.append(Located(rows[sel], group, kind, u, v, lo, hi, max_lat))
    return out
