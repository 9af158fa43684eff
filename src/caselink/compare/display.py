"""Human-readable values of features, for explanations ("0.3 km apart", "both GHB (2% of cases)")."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from caselink.compare import sets
from caselink.compare.entities import shared_entities
from caselink.compare.table import CaseTable
from caselink.compare.victim import Categorical

#: the value shown for a feature one or both cases lack; its contribution is what the model
#: learned about pairs with that fact missing (never a match)
UNKNOWN = "not recorded for one or both cases"


def _pct(share: float) -> str:
    pct = 100.0 * share
    return f"{pct:.0f}%" if pct >= 1 else f"{pct:.1f}%"


def _category(col: Categorical, a: int, b: int, value: float) -> str:
    ca, cb = int(col.codes[a]), int(col.codes[b])
    if ca < 0 or cb < 0:
        return UNKNOWN
    if ca == cb:
        share = 2.0 ** -float(col.info[ca])
        return f"both {col.vocab[ca]} ({_pct(share)} of cases)"
    return f"{col.vocab[ca]} vs {col.vocab[cb]}"


def _shared(col: sets.SetColumn, a: int, b: int) -> str:
    va = {int(v) for v in col.ids[a] if v >= 0}
    vb = {int(v) for v in col.ids[b] if v >= 0}
    common = sorted(va & vb, key=lambda v: -float(col.info[v]))
    if not common:
        return "nothing in common"
    return "both " + ", ".join(f"{col.vocab[v]} ({_pct(float(col.share[v]))})" for v in common[:5])


def _conflicts(col: sets.SetColumn, a: int, b: int, value: float) -> str:
    if value == 0:
        return "no conflicting values"
    va = {col.vocab[v] for v in col.ids[a] if v >= 0}
    vb = {col.vocab[v] for v in col.ids[b] if v >= 0}
    keys_b = {v.split(":", 1)[0] for v in vb if ":" in v}
    diff = sorted(v for v in va - vb if ":" in v and v.split(":", 1)[0] in keys_b)
    return f"{int(value)} differ ({', '.join(diff[:4])} vs other)"


def _shared_entities(t: CaseTable, a: int, b: int, involved: bool) -> str:
    """What two cases share in these roles, rarest first, e.g. "person stephen portman #3f2a91
    (reporter / associate; in 2 of 2,004 cases, 12.0 bits)" (resolved entities)."""
    found = [s for s in shared_entities(t.entities, t.entity_roles, a, b) if (s.role_class >= 2) == involved]
    return ", ".join(str(s) for s in found[:4]) if found else "nothing shared in these roles"


_SIMPLE: dict[str, Callable[[float, CaseTable, int, int], str]] = {
    "distance_km": lambda v, t, a, b: f"{v:.2f} km apart" if v < 10 else f"{v:.0f} km apart",
    "space_nearer": lambda v, t, a, b: f"~{max(10 ** v * t.located - 1, 0):.0f} of {t.located} cases lie nearer",
    "time_gap_days": lambda v, t, a, b: f"{v:.1f} days apart" if v >= 1 else f"{v * 24:.1f} hours apart",
    "time_nearer": lambda v, t, a, b: (f"~{max(10 ** v * t.store_cases - 1, 0):.0f} of {t.store_cases} cases "
                                       "lie nearer in time"),
    "time_uncertainty_days": lambda v, t, a, b: (f"times known to within {v * 24:.1f} h" if v < 1
                                                 else f"times known to within {v:.1f} days"),
    "tod_gap_hours": lambda v, t, a, b: f"{v:.1f} h apart in time of day",
    "dow_gap_days": lambda v, t, a, b: f"{v:.1f} days apart in day of week",
    "victim_age_gap": lambda v, t, a, b: f"victims' ages {v:.0f} year{'' if f'{v:.0f}' == '1' else 's'} apart",
    "narrative_similarity": lambda v, t, a, b: f"narratives {100 * v:.0f}% similar",
    "entities_involved_info": lambda v, t, a, b: _shared_entities(t, a, b, True),
    "entities_bystander_info": lambda v, t, a, b: _shared_entities(t, a, b, False),
    "circumstances_jaccard": lambda v, t, a, b: f"{100 * v:.0f}% of circumstances in common",
    "substances_jaccard": lambda v, t, a, b: f"{100 * v:.0f}% of substances in common",
    "victim_tags_shared_info": lambda v, t, a, b: _shared(t.victim_tags, a, b),
    "circumstances_shared_info": lambda v, t, a, b: _shared(t.circumstances, a, b),
    "substances_shared_info": lambda v, t, a, b: _shared(t.substances, a, b),
    "circumstances_conflicts": lambda v, t, a, b: _conflicts(t.circumstances, a, b, v),
}
#: feature -> the CaseTable categorical column it compares
_CATEGORICAL = {"incident_type_match": "incident_type", "place_type_match": "place_type", "area_match": "area",
                "weapon_match": "weapon", "victim_sex_match": "victim_sex", "victim_ethnicity_match": "victim_ethnicity"}


def describe(name: str, value: float, table: CaseTable, a: int, b: int) -> str:
    """A short phrase for feature ``name`` of pair (a, b) whose value is ``value``."""
    if math.isnan(value):
        return UNKNOWN
    if name in _SIMPLE:
        return _SIMPLE[name](value, table, a, b)
    if name in _CATEGORICAL:
        return _category(getattr(table, _CATEGORICAL[name]), a, b, value)
    return f"{value:.3g}" if np.isfinite(value) else UNKNOWN
