"""What ``--by`` means: a field, a list field (one group per value) or a yes/no condition."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from caselink.errors import CaselinkError
from caselink.filters import Column, compile_filter, resolve_field

if TYPE_CHECKING:
    import pandas as pd

MISSING = "(missing)"
NONE = "(none)"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class DisparityError(CaselinkError):
    """A disparity analysis that cannot be run as asked (no cases, unknown reference group...)."""

    code = "disparity_error"


@dataclass(frozen=True)
class Grouping:
    """How to compute each case's group in SQL, and which group is the natural reference."""

    kind: str  # "field", "list" or "condition"
    by: str
    sql: str
    params: list[object] = field(default_factory=list)
    default_reference: str | None = None


def group_by(by: str, columns: Mapping[str, Column] | None = None) -> Grouping:
    """Parse ``--by``: a bare field name groups by its values; anything else is a condition."""
    text = by.strip()
    if _NAME.match(text):
        column = resolve_field(text, columns)
        if column.kind == "datetime":
            raise DisparityError(f"cannot group by the date {column.name}: use --by year")
        if column.kind == "list":
            return Grouping("list", column.name, column.sql, default_reference=NONE)
        return Grouping("field", column.name, f"CAST({column.sql} AS VARCHAR)")
    condition = compile_filter(text, columns)
    return Grouping("condition", text, f"CASE WHEN {condition.sql} THEN 'yes' ELSE 'no' END",
                    list(condition.params), default_reference="no")


@dataclass
class Memberships:
    """One boolean mask over the cases per group; with a list field a case can be in several."""

    masks: dict[str, pd.Series]
    overlapping: bool
    n_without_value: int
    n_in_several: int

    def any_other(self, label: str) -> pd.Series:
        """Cases in at least one group other than ``label``."""
        others = [m for name, m in self.masks.items() if name != label]
        result = others[0].copy()
        for mask in others[1:]:
            result |= mask
        return result


def _tags(value: object) -> list[str]:
    """A stored list as labels; a missing or empty list is the group '(none)'."""
    if hasattr(value, "tolist"):  # numpy array from DuckDB
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [str(t) for t in value] or [NONE]
    return [NONE]


def memberships(values: pd.Series, grouping: Grouping) -> Memberships:
    """Group masks from the ``_group`` column: largest groups first, missing/none last."""
    import pandas as pd

    if grouping.kind == "list":
        lists = values.apply(_tags)
        exploded = lists.explode()
        counts = lists.apply(len)
        n_without = int((lists.apply(lambda v: v == [NONE])).sum())
        n_several = int((counts > 1).sum())
    else:
        exploded = values.astype("object").where(values.notna(), MISSING)
        n_without = int(values.isna().sum())
        n_several = 0
    sizes = exploded.value_counts()
    order = sorted(sizes.index, key=lambda g: (str(g).startswith("("), -int(sizes[g]), str(g)))
    if grouping.kind == "condition":
        order = [g for g in ("yes", "no") if g in sizes.index]
    masks: dict[str, pd.Series] = {}
    for label in order:
        member_index = exploded.index[exploded == label].unique()
        masks[str(label)] = pd.Series(values.index.isin(member_index), index=values.index)
    return Memberships(masks, grouping.kind == "list", n_without, n_several)
