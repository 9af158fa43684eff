"""Every case's best partners: the top ``keep_top`` scored pairs of each case, kept as links even
below the kept-link threshold, so ``similar`` always has a case's nearest candidates to show.

``TopPartners`` holds, for each row of the run's CaseTable, its ``k`` most probable partners seen
so far (a fixed ``rows x k`` array updated chunk by chunk by a compiled loop: ~80 MB at a million
cases and k = 5, whatever the number of pairs). At the end of a run, ``extra_pairs`` are the
pairs in some case's top ``k`` that fell below the threshold: they are scored again (a small
share of the pairs) to get their explanations and are written with the other links.

Incremental runs: only pairs of new (or changed) cases are scored, so an old partner's top ``k``
is seeded with the links it keeps in the store (``seed``); a new case enters its top ``k`` only
by beating them. An old case's earlier top-``k`` partner that a new case displaces is left stored
(links never shrink in an incremental run: a case has *at least* its top ``k``); ``link --full``
trims back to exactly the top ``k`` plus the links above the threshold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from numba import njit

if TYPE_CHECKING:
    import duckdb

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
#: partner value of a slot filled by a link already in the store (nothing to write again)
STORED = -2
EMPTY = -1


@njit(cache=True)
def _offer(best_p: FloatArray, best_q: IntArray, rows: IntArray, partners: IntArray,
           prob: FloatArray) -> None:  # pragma: no cover - compiled
    """Insert (rows[i] -> partners[i], prob[i]) into row's descending top-k, if it beats the last."""
    k = best_p.shape[1]
    for i in range(len(rows)):
        r, p = rows[i], prob[i]
        if p <= best_p[r, k - 1]:
            continue
        j = k - 1
        while j > 0 and best_p[r, j - 1] < p:
            best_p[r, j] = best_p[r, j - 1]
            best_q[r, j] = best_q[r, j - 1]
            j -= 1
        best_p[r, j] = p
        best_q[r, j] = partners[i]


class TopPartners:
    """The ``k`` most probable partners of each of ``rows`` table rows (see the module docstring)."""

    def __init__(self, rows: int, k: int) -> None:
        self.k = k
        self.p = np.full((rows, max(k, 1)), -1.0)
        self.q = np.full((rows, max(k, 1)), EMPTY, dtype=np.int64)

    def offer(self, a: npt.ArrayLike, b: npt.ArrayLike, prob: npt.ArrayLike) -> None:
        """Scored pairs (row positions a, b) with their probabilities, for both ends."""
        if self.k < 1:
            return
        ia, ib = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        pp = np.asarray(prob, dtype=np.float64)
        _offer(self.p, self.q, ia, ib, pp)
        _offer(self.p, self.q, ib, ia, pp)

    def seed(self, rows: npt.ArrayLike, prob: npt.ArrayLike) -> None:
        """Links already stored for ``rows`` (one entry per link end): they hold slots, not rewritten."""
        if self.k < 1:
            return
        ir = np.asarray(rows, dtype=np.int64)
        _offer(self.p, self.q, ir, np.full(len(ir), STORED, dtype=np.int64), np.asarray(prob, dtype=np.float64))

    def extra_pairs(self, below: float) -> tuple[IntArray, IntArray]:
        """Pairs (a < b) in some row's top ``k`` with probability under ``below`` (the threshold:
        the others are stored already), each once."""
        r, j = np.nonzero((self.q >= 0) & (self.p < below))
        q = self.q[r, j]
        lo, hi = np.minimum(r, q), np.maximum(r, q)
        key = np.unique(lo.astype(np.int64) * (len(self.p) + 1) + hi)
        return key // (len(self.p) + 1), key % (len(self.p) + 1)


def seed_from_store(top: TopPartners, con: duckdb.DuckDBPyConnection, tab_ids: np.ndarray,
                    rows: np.ndarray) -> int:
    """Seed the top partners of table rows ``rows`` (old cases an incremental run touches) with the
    links the store keeps for them (after the run deleted those it rescores). Returns how many."""
    import pandas as pd

    if not len(rows) or top.k < 1:
        return 0
    ids = pd.DataFrame({"case_id": tab_ids[rows].astype(str), "row": np.asarray(rows, dtype=np.int64)})
    con.register("_seed_ids", ids)
    try:
        got = con.execute(
            "SELECT s.row, l.probability FROM links l JOIN _seed_ids s ON s.case_id = l.case_a "
            "UNION ALL SELECT s.row, l.probability FROM links l JOIN _seed_ids s ON s.case_id = l.case_b").fetchnumpy()
    finally:
        con.unregister("_seed_ids")
    top.seed(got["row"], got["probability"])
    return len(got["row"])
