"""The truth an end-to-end evaluation is judged against, and its true pairs over a store's cases.

Two sources:

- ``load_truth(path)``: a ``caselink synth --truth`` file. It names every offender's cases, solved
  or not, so it is **complete**: a case it does not name is a one-off offence of its own.
- ``truth_from_series(store)``: a store's own ``series_ids`` (e.g. the crimelinkage data). Only
  solved cases are known, so it is **partial**: figures are judged over the labelled cases only
  (a pair counts when both its cases are labelled; unlabelled cases still take part in linkage).

``TruthIndex`` lays the truth over the store's case ids (positions in sorted id order): which
cases are judged, the true linked pairs (every pair of cases of one offender) as sorted int64
keys ``a * n + b`` with ``a < b``, and each serial case's true partners.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from caselink.errors import InputError

if TYPE_CHECKING:
    from caselink.store.store import Store

Keys = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Truth:
    """``offenders``: case id -> its true offender ids; ``complete``: every case's offender known."""

    offenders: Mapping[str, tuple[str, ...]]
    complete: bool
    source: str


def load_truth(path: Path) -> Truth:
    """A ``caselink synth --truth`` file as complete truth."""
    import orjson

    from caselink.linkage.series_quality import truth_from_synth

    try:
        doc = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise InputError(f"{path}: cannot read the truth file ({exc.strerror})") from exc
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not a caselink synth truth file (format 'caselink-synth-truth')")
    try:
        offenders = truth_from_synth(doc)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from exc
    return Truth({c: tuple(o) for c, o in offenders.items() if o}, complete=True, source=str(path))


def truth_from_series(store: Store, *, purpose: str, command: str) -> Truth:
    """The store's ``series_ids`` as partial truth (read audited); labelled cases only."""
    frame = store.frame(["series_ids"], where="len(series_ids) > 0", purpose=purpose, command=command)
    offenders = {str(case_id): tuple(sorted({str(s) for s in series}))
                 for case_id, series in zip(frame["case_id"].tolist(), frame["series_ids"].tolist(), strict=True)}
    if not offenders:
        raise InputError(f"--truth-from-series: no case in {store.path} has series_ids, so there is no truth "
                         "to judge against; give a synthetic truth file with --truth instead")
    return Truth(offenders, complete=False, source=f"series_ids of {store.path}")


@dataclass(frozen=True)
class TruthIndex:
    """The truth over ``case_ids`` (sorted); see the module docstring."""

    case_ids: list[str]
    judged: npt.NDArray[np.bool_]
    true_keys: Keys
    partners: dict[int, list[int]] = field(default_factory=dict)  # serial case -> its true partners
    truth_cases_missing: int = 0  # cases the truth names that the store does not hold
    offenders_serial: int = 0  # offenders with 2+ judged cases

    @property
    def n(self) -> int:
        return len(self.case_ids)

    def keys(self, a: npt.ArrayLike, b: npt.ArrayLike) -> Keys:
        """Pair keys of position arrays (order within a pair does not matter)."""
        a64, b64 = np.asarray(a, np.int64), np.asarray(b, np.int64)
        return np.minimum(a64, b64) * self.n + np.maximum(a64, b64)

    def linked(self, keys: Keys) -> npt.NDArray[np.bool_]:
        """Whether each pair key is a true linked pair."""
        if len(self.true_keys) == 0:
            return np.zeros(len(keys), dtype=bool)
        at = np.minimum(np.searchsorted(self.true_keys, keys), len(self.true_keys) - 1)
        return np.asarray(self.true_keys[at] == keys)

    def both_judged(self, a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        return np.asarray(self.judged[np.asarray(a, np.intp)] & self.judged[np.asarray(b, np.intp)])

    def positions(self, ids: Sequence[str] | npt.NDArray[np.object_]) -> npt.NDArray[np.intp]:
        """Positions of case ids (all must be in the store)."""
        import pandas as pd

        pos = pd.Index(self.case_ids).get_indexer(np.asarray(ids, dtype=object))
        if (pos < 0).any():
            raise InputError("a linked case is not among the store's cases (the store changed during the run?)")
        return np.asarray(pos, dtype=np.intp)


def index_truth(truth: Truth, case_ids: Sequence[str]) -> TruthIndex:
    """Lay ``truth`` over the store's ``case_ids``; refuses a truth that names none of them."""
    ids = sorted(str(c) for c in case_ids)
    pos = {c: i for i, c in enumerate(ids)}
    named = [c for c in truth.offenders if c in pos]
    if not named:
        raise InputError(f"the truth ({truth.source}) names none of the store's {len(ids)} cases: "
                         "is it the truth of another data set?")
    judged = np.ones(len(ids), dtype=bool) if truth.complete else np.isin(np.arange(len(ids)), [pos[c] for c in named])
    members: dict[str, list[int]] = {}
    for c in named:
        for o in truth.offenders[c]:
            members.setdefault(o, []).append(pos[c])
    chunks: list[Keys] = [np.empty(0, np.int64)]
    partners: dict[int, set[int]] = {}
    serial = 0
    for rows in members.values():
        if len(rows) < 2:
            continue
        serial += 1
        r = np.sort(np.asarray(rows, np.int64))
        ia, ib = np.triu_indices(len(r), 1)
        chunks.append(r[ia] * len(ids) + r[ib])
        for i in rows:
            partners.setdefault(i, set()).update(j for j in rows if j != i)
    return TruthIndex(ids, judged, np.unique(np.concatenate(chunks)),
                      {i: sorted(p) for i, p in sorted(partners.items())},
                      truth_cases_missing=len(truth.offenders) - len(named), offenders_serial=serial)


__all__ = ["Truth", "TruthIndex", "index_truth", "load_truth", "truth_from_series"]
