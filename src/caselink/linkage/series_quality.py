"""How good predicted series are against the truth (pure functions, no store).

Given predicted series (``case_id -> series id``, or lists of member case ids) and the truth
(``case_id -> offender id``, or a list of offender ids for a co-offended case), ``series_quality``
reports:

- **coverage**: the share of *serial* cases (cases of an offender with two or more cases among the
  cases judged) that sit in a predicted series of 2+ members whose majority (more than half of its
  members) is one of their offenders;
- **purity**: the share of predicted series of 2+ members whose members all share one offender;
- **B-cubed** precision, recall and F1 (``bcubed``) of the predicted partition against the true
  co-offending groups (cases linked through any shared offender), every case in no predicted
  series standing alone, and the F1 of leaving every case alone (the floor a clustering must
  clearly beat: with mostly one-off offences it is already high).

Cases the truth does not name count as one-off offences of their own unknown offender.
``caselink evaluate`` uses ``bcubed`` for its held-out clustering figure; the series bench and the
end-to-end evaluation use ``series_quality``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from caselink.errors import InputError

Predicted = Mapping[str, str] | Sequence[Sequence[str]]
Truth = Mapping[str, str | Sequence[str]]


def bcubed(clusters: Sequence[Sequence[int]], truth: npt.ArrayLike) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of ``clusters`` (lists of positions into ``truth``) against
    the true label of each item; items in no cluster are singletons.

    Example:
        >>> bcubed([[0, 1]], [7, 7, 8])
        (1.0, 1.0, 1.0)
    """
    labels = np.asarray(truth)
    n = len(labels)
    pred = np.arange(n) + n  # singleton ids that cannot clash with cluster ids
    for k, members in enumerate(clusters):
        pred[np.asarray(members, dtype=np.intp)] = k
    _, t = np.unique(labels, return_inverse=True)
    _, c = np.unique(pred, return_inverse=True)
    both = np.zeros((c.max(initial=0) + 1, t.max(initial=0) + 1))
    np.add.at(both, (c, t), 1.0)
    common = both[c, t]
    precision = float(np.mean(common / both.sum(axis=1)[c])) if n else float("nan")
    recall = float(np.mean(common / both.sum(axis=0)[t])) if n else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


@dataclass(frozen=True)
class SeriesQuality:
    """Figures of one predicted partition against the truth (see the module docstring)."""

    cases: int  # cases judged
    serial_cases: int  # of them, cases of an offender with 2+ cases among those judged
    predicted_series: int  # predicted series of 2+ members
    coverage: float  # share of serial cases in a series whose majority is their offender
    purity: float  # share of predicted series that are pure (nan when none)
    precision: float  # B-cubed
    recall: float
    f1: float
    alone_f1: float  # B-cubed F1 of every case alone

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def member_lists(predicted: Predicted) -> list[list[str]]:
    """Predicted series as lists of member case ids (series of one member dropped)."""
    if isinstance(predicted, Mapping):
        groups: dict[str, list[str]] = {}
        for case, sid in predicted.items():
            groups.setdefault(str(sid), []).append(str(case))
        lists = list(groups.values())
    else:
        lists = [[str(c) for c in members] for members in predicted]
    seen: set[str] = set()
    for members in lists:
        if seen & set(members) or len(set(members)) != len(members):
            raise InputError("predicted series must not share cases")
        seen |= set(members)
    return [sorted(m) for m in lists if len(m) >= 2]


def _offenders(truth: Truth, case: str) -> tuple[str, ...]:
    value = truth.get(case)
    if value is None or (not isinstance(value, str) and not value):
        return (f"\x00alone:{case}",)  # unknown offender: a one-off of its own
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


def co_offending_groups(cases: Sequence[str], offenders: Mapping[str, tuple[str, ...]]) -> npt.NDArray[np.intp]:
    """Group of each case: cases sharing any offender, transitively, are one group."""
    parent = list(range(len(cases)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, case in enumerate(cases):
        for o in offenders[case]:
            j = first.setdefault(o, i)
            parent[find(i)] = find(j)
    return np.asarray([find(i) for i in range(len(cases))], dtype=np.intp)


def _majority(members: Sequence[str], offenders: Mapping[str, tuple[str, ...]]) -> str | None:
    """The offender of more than half of ``members``, if any."""
    counts = Counter(o for m in members for o in offenders[m])
    if not counts:
        return None
    top, n = counts.most_common(1)[0]
    return top if 2 * n > len(members) else None


def series_quality(predicted: Predicted, truth: Truth, cases: Iterable[str] | None = None) -> SeriesQuality:
    """Coverage, purity and B-cubed of ``predicted`` against ``truth`` over ``cases`` (default:
    every case named by either).

    Example:
        >>> q = series_quality([["a", "b"], ["c", "d"]], {"a": "X", "b": "X", "c": "X", "d": "Y"})
        >>> q.coverage, q.purity
        (0.6667, 0.5)
    """
    groups = member_lists(predicted)
    universe = sorted(set(cases) if cases is not None else set(truth) | {c for g in groups for c in g})
    extra = {c for g in groups for c in g} - set(universe)
    if extra:
        raise InputError(f"{len(extra)} predicted case(s) are not among the cases judged, e.g. {sorted(extra)[0]}")
    offenders = {c: _offenders(truth, c) for c in universe}
    sizes = Counter(o for c in universe for o in offenders[c])
    serial = {c for c in universe if any(sizes[o] >= 2 for o in offenders[c])}
    covered: set[str] = set()
    pure = 0
    for members in groups:
        top = _majority(members, offenders)
        covered |= {m for m in members if top is not None and top in offenders[m]}
        pure += bool(set.intersection(*(set(offenders[m]) for m in members)))
    index = {c: i for i, c in enumerate(universe)}
    labels = co_offending_groups(universe, offenders)
    clusters = [[index[c] for c in g] for g in groups]
    precision, recall, f1 = bcubed(clusters, labels)
    return SeriesQuality(
        cases=len(universe), serial_cases=len(serial), predicted_series=len(groups),
        coverage=round(len(covered & serial) / len(serial), 4) if serial else float("nan"),
        purity=round(pure / len(groups), 4) if groups else float("nan"),
        precision=precision, recall=recall, f1=f1, alone_f1=bcubed([], labels)[2])


def truth_from_synth(doc: Mapping[str, Any]) -> dict[str, list[str]]:
    """``case_id -> offender ids`` from a ``caselink synth --truth`` file's parsed JSON."""
    if doc.get("format") != "caselink-synth-truth":
        raise InputError("not a caselink synth truth file (format 'caselink-synth-truth' expected)")
    return {str(c): [str(o) for o in offs] for c, offs in doc["case_offenders"].items()}


__all__ = ["SeriesQuality", "bcubed", "co_offending_groups", "member_lists", "series_quality", "truth_from_synth"]
