"""Deterministic rules for person mentions, and the surname guard every join passes.

The splink model (``caselink.entities.model``) needs enough mentions to estimate its weights; a new
or small store has too few (``MIN_TRAINING_PERSONS``, or EM finds no pairs to learn from). There
these rules decide instead, with the same candidate pairs the model would score (same phone, or
same date of birth as written or day/month swapped):

* **same surname and date of birth**: surnames equal or a spelling variant (``surname_variant``),
  the same date of birth (or day and month swapped), and compatible first names (the same, a
  nickname of the same formal name, an initial of it, or one slip apart);
* **same phone**: the phone recorded with the person's role in both sources, and a compatible name
  (surname equal or a variant; first names compatible or one of them missing).

The guard (``surname_guard``) applies to the model's joins and the rules' alike: surnames that
disagree beyond a spelling variant veto a join unless a hard identifier (the phone) also agrees,
so 'Jonathan Marsh' is never made one person with 'Jonathan Q. Marsden' on a date of birth alone.
Everything here is pandas on the prepared frame, so it decides the same on any splink backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from caselink.entities.nicknames import formal_names

if TYPE_CHECKING:
    import pandas as pd

#: below this many person mentions the rules decide (EM has too few pairs to estimate weights)
MIN_TRAINING_PERSONS = 200
RULE_SAME_DOB = "same surname and date of birth, compatible first name"
RULE_SAME_PHONE = "same phone, compatible name"
PAIR_COLUMNS = ["mention_id_l", "mention_id_r", "match_weight", "match_probability"]


def osa(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (edits, adjacent swaps counting one), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


def surname_variant(a: str, b: str) -> bool:
    """Equal, one slip apart (two when the longer has 5+ letters: 'Thhompson'/'Thompon'), or one a
    part of the other (double-barrelled). 'Marsh' and 'Marsden' (three edits) are not variants."""
    if a == b:
        return True
    if min(len(a), len(b)) >= 3 and osa(a, b) <= (2 if max(len(a), len(b)) >= 5 else 1):
        return True
    pa, pb = set(a.replace("-", " ").split()), set(b.replace("-", " ").split())
    return bool(pa & pb) and (pa <= pb or pb <= pa)


def first_compatible(a: str | None, b: str | None) -> bool:
    """The same first name, a nickname of the same formal name, an initial of it, or one slip apart."""
    if not isinstance(a, str) or not isinstance(b, str) or not a or not b:
        return False
    if a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
        return True
    if len(a) > 1 and len(b) > 1 and set(formal_names(a)) & set(formal_names(b)):
        return True
    return min(len(a), len(b)) >= 4 and osa(a, b, 1) <= 1


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def surname_guard(pairs: pd.DataFrame, persons: pd.DataFrame) -> np.ndarray:
    """Per pair (``mention_id_l``/``_r`` of ``persons``): True unless the surnames disagree beyond a
    spelling variant while no hard identifier (the phone) agrees. A name written surname first
    without a comma ('Marsden Jonathan', read as first name 'marsden') agrees when one's surname is
    a variant of the other's first name."""
    if not len(pairs):
        return np.zeros(0, dtype=bool)
    info = persons.drop_duplicates("mention_id").set_index("mention_id")[["first", "last", "phone"]]
    left = info.reindex(pairs["mention_id_l"].to_numpy())
    right = info.reindex(pairs["mention_id_r"].to_numpy())
    out = np.zeros(len(pairs), dtype=bool)
    rows = zip(left["first"], left["last"], left["phone"], right["first"], right["last"], right["phone"], strict=True)
    for i, (fl, ll, pl, fr, lr, pr) in enumerate(rows):
        ll, lr = _str(ll), _str(lr)
        if _str(pl) is not None and pl == pr:
            out[i] = True
        elif ll is None or lr is None:
            out[i] = False
        else:
            out[i] = surname_variant(ll, lr) or _swapped(ll, _str(fr)) or _swapped(lr, _str(fl))
    return out


def _swapped(last: str, other_first: str | None) -> bool:
    return other_first is not None and len(other_first) > 1 and surname_variant(last, other_first)


def _names(fl: str | None, ll: str | None, fr: str | None, lr: str | None) -> tuple[bool, bool]:
    """(surnames agree, first names compatible), reading the other name as written or surname first."""
    if ll is None or lr is None:
        return False, False
    best = (False, False)
    for first, last in ((fr, lr), (lr, fr)):
        if last is not None and surname_variant(ll, last):
            firsts = first_compatible(fl, first)
            if firsts:
                return True, True
            best = (True, False)
    return best


def _candidates(persons: pd.DataFrame) -> pd.DataFrame:
    """Pairs (l < r) sharing a phone, a date of birth, or one's date of birth swapped in the other."""
    import pandas as pd

    p = persons[["mention_id", "phone", "dob", "dob_swap"]]
    parts = []
    for left, right in (("phone", "phone"), ("dob", "dob"), ("dob", "dob_swap")):
        a = p[p[left].notna()][["mention_id", left]].rename(columns={left: "key"}).astype(str)
        b = p[p[right].notna()][["mention_id", right]].rename(columns={right: "key"}).astype(str)
        both = a.merge(b, on="key", suffixes=("_l", "_r"))
        parts.append(both[["mention_id_l", "mention_id_r"]])
    pairs = pd.concat(parts, ignore_index=True)
    swap = pairs["mention_id_l"] > pairs["mention_id_r"]
    pairs.loc[swap, ["mention_id_l", "mention_id_r"]] = pairs.loc[swap, ["mention_id_r", "mention_id_l"]].to_numpy()
    pairs = pairs[pairs["mention_id_l"] != pairs["mention_id_r"]]
    return pairs.drop_duplicates().reset_index(drop=True)


def rule_pairs(persons: pd.DataFrame) -> pd.DataFrame:
    """Person pairs the rules join (``PAIR_COLUMNS`` plus ``rule``; no match weight: probability 1)."""
    import pandas as pd

    cand = _candidates(persons)
    if not len(cand):
        return pd.DataFrame(columns=[*PAIR_COLUMNS, "rule"])
    info = persons.drop_duplicates("mention_id").set_index("mention_id")
    left = info.reindex(cand["mention_id_l"].to_numpy())
    right = info.reindex(cand["mention_id_r"].to_numpy())
    rules: list[str | None] = []
    for fl, ll, pl, dl, sl, fr, lr, pr, dr in zip(
            left["first"], left["last"], left["phone"], left["dob"], left["dob_swap"],
            right["first"], right["last"], right["phone"], right["dob"], strict=True):
        surnames, firsts = _names(_str(fl), _str(ll), _str(fr), _str(lr))
        same_dob = _str(dl) is not None and (dl == dr or sl == dr)
        if surnames and same_dob and firsts:
            rules.append(RULE_SAME_DOB)
        elif surnames and _str(pl) is not None and pl == pr and (firsts or _str(fl) is None or _str(fr) is None):
            rules.append(RULE_SAME_PHONE)
        else:
            rules.append(None)
    cand["rule"] = rules
    out = cand[cand["rule"].notna()].copy()
    out["match_weight"] = np.nan
    out["match_probability"] = 1.0
    return out[[*PAIR_COLUMNS, "rule"]].reset_index(drop=True)
