"""Shared-entity evidence: how rare the people, phones and vehicles two cases share are, and in
which roles.

A resolved entity's weight is its self-information in bits, ``-log2`` of the share of the store's
cases (with any entity) that mention it, as for circumstances (``caselink.compare.sets``): a phone
in 2 of 50,000 cases is ~14 bits, a switchboard number in 300 of them ~7. The share is counted as
if the store held at least ``RARITY_FLOOR`` cases: a new store has not yet seen how common a number
is, and without the floor two of three cases sharing a phone would count as a common phone.

Roles split the bits in two features: entities that are a suspect or associate in at least one of
the two cases (``entities_involved_info``), and entities both cases record only as victim,
witness, reporter or other (``entities_bystander_info``): a man who reported one death and is an
associate in another says more than a neighbour who reported two incidents in his street, or a
hospital switchboard both records give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from caselink.compare import sets
from caselink.compare.context import ValueCounts

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.intp]

#: rarity is measured as if the store held at least this many cases with entities
RARITY_FLOOR = 10_000
#: roles that tie a person (or their phone) to what happened, not only to finding it
INVOLVED = frozenset({"suspect", "associate"})
#: how a shared entity's roles pair up: 1 only as victim, witness, reporter or other in both (a
#: bystander entity); 2 suspect or associate in one of the two cases; 3 in both
ROLE_CLASSES = ("nothing shared", "bystander roles in both", "suspect/associate in one",
                "suspect/associate in both")


@dataclass(frozen=True)
class EntityRoles:
    """Per case row: the roles each of its entity values (vocabulary id of the SetColumn) has, and
    per vocabulary id the number of the store's cases mentioning it."""

    roles: list[dict[int, frozenset[str]]]
    cases: npt.NDArray[np.int64]
    store_cases: int


def floored(tokens: Sequence[Sequence[str]], counts: ValueCounts | None) -> tuple[ValueCounts, ValueCounts]:
    """The store's entity counts (or these rows' own, without a store context), as they are and with
    the number of cases known raised to ``RARITY_FLOOR``."""
    if counts is None:
        own: dict[str, int] = {}
        for row in tokens:
            for t in set(row):
                own[t] = own.get(t, 0) + 1
        counts = ValueCounts(own, sum(1 for row in tokens if row))
    return counts, ValueCounts(counts.counts, max(counts.known, RARITY_FLOOR))


def token_roles(entities: pd.DataFrame, case_ids: Sequence[object]) -> list[dict[str, set[str]]]:
    """Per case in ``case_ids``: each entity token (as ``entity_tokens`` writes it) and its roles
    (``other`` when the frame has no role column)."""
    position = {str(cid): i for i, cid in enumerate(case_ids)}
    out: list[dict[str, set[str]]] = [{} for _ in range(len(case_ids))]
    roles = entities["role"] if "role" in entities else ["other"] * len(entities)
    for cid, kind, value, role in zip(entities["case_id"], entities["kind"], entities["value"], roles, strict=True):
        i = position.get(str(cid))
        if i is None or value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
            continue
        token = f"{str(kind).lower()}:{str(value).strip().lower()}"
        out[i].setdefault(token, set()).add(str(role) if isinstance(role, str) and role else "other")
    return out


def entity_roles(col: sets.SetColumn, per_case: list[dict[str, set[str]]], counts: ValueCounts) -> EntityRoles:
    """Align ``token_roles`` with the SetColumn's vocabulary ids."""
    index = {v: i for i, v in enumerate(col.vocab)}
    roles = [{index[t]: frozenset(r) for t, r in row.items() if t in index} for row in per_case]
    cases = np.array([counts.counts.get(v, 0) for v in col.vocab], dtype=np.int64)
    return EntityRoles(roles, cases, int(counts.known))


def _class(ra: frozenset[str], rb: frozenset[str]) -> int:
    return 1 + bool(ra & INVOLVED) + bool(rb & INVOLVED)


def shared_evidence(col: sets.SetColumn | None, roles: EntityRoles | None, a: IntArray,
                    b: IntArray) -> tuple[FloatArray, FloatArray]:
    """Per pair: bits of the entities both cases mention as suspect or associate in at least one of
    them, and bits of those both mention only in bystander roles (victim, witness, reporter, other);
    both NaN where either case has no entity."""
    if col is None:
        nan = np.full(len(a), np.nan)
        return nan, nan.copy()
    ov = sets.overlap(col, a, b)
    involved = np.where(np.isnan(ov.shared), np.nan, 0.0)
    bystander = involved.copy()
    hits = np.flatnonzero(np.nan_to_num(ov.shared) > 0)
    for i in hits.tolist():
        ca, cb = int(a[i]), int(b[i])
        mine = roles.roles[ca] if roles is not None else {}
        theirs = roles.roles[cb] if roles is not None else {}
        for v in {int(v) for v in col.ids[ca] if v >= 0} & {int(v) for v in col.ids[cb] if v >= 0}:
            if _class(mine.get(v, frozenset()), theirs.get(v, frozenset())) >= 2:
                involved[i] += float(col.info[v])
            else:
                bystander[i] += float(col.info[v])
    return involved, bystander


@dataclass(frozen=True)
class Shared:
    """One entity two cases share: its token, its roles in each, the store's cases naming it, bits."""

    token: str
    roles_a: str
    roles_b: str
    cases: int | None
    store_cases: int | None
    bits: float
    role_class: int

    def __str__(self) -> str:
        seen = f"in {self.cases:,} of {self.store_cases:,} cases, " if self.store_cases is not None else ""
        return (f"{self.token.replace(':', ' ', 1)} ({self.roles_a} / {self.roles_b}; "
                f"{seen}{self.bits:.1f} bits)")


def shared_entities(col: sets.SetColumn | None, roles: EntityRoles | None, a: int, b: int) -> list[Shared]:
    """What two cases share, rarest first (bits count the store as at least ``RARITY_FLOOR`` cases);
    ``str`` of each reads ``person jon marsden #3f2a91 (reporter / associate; in 2 of 3 cases, 12.0 bits)``."""
    if col is None:
        return []
    common = sorted({int(v) for v in col.ids[a] if v >= 0} & {int(v) for v in col.ids[b] if v >= 0},
                    key=lambda v: (-float(col.info[v]), col.vocab[v]))
    out = []
    for v in common:
        ra = roles.roles[a].get(v, frozenset()) if roles is not None else frozenset()
        rb = roles.roles[b].get(v, frozenset()) if roles is not None else frozenset()
        out.append(Shared(col.vocab[v], "/".join(sorted(ra)) or "?", "/".join(sorted(rb)) or "?",
                          int(roles.cases[v]) if roles is not None else None,
                          roles.store_cases if roles is not None else None, float(col.info[v]), _class(ra, rb)))
    return out
