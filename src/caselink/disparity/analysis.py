"""Outcome disparity across victim groups: read cases (audited), count, compare, adjust.

The outcome is a filter expression evaluated in SQL for each case (``status in (unsolved,
open)``); the grouping is a field (``victim_ethnicity``), a list field (``victim_tags``: one
group per tag, so a case can be in several) or a condition (``victim_tags has gay``: yes/no).

Example:
    >>> spec = DisparitySpec(outcome="status = unsolved", by="victim_ethnicity")
    >>> result = run(store, spec, purpose="outcome audit 2026-11")   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from caselink.disparity import stats
from caselink.disparity.adjust import AdjustedModel, adjusted_odds_ratios
from caselink.disparity.grouping import DisparityError, Grouping, Memberships, group_by, memberships
from caselink.filters import CASE_COLUMNS, Column, compile_filter, resolve_field

if TYPE_CHECKING:
    import pandas as pd

    from caselink.store import Store

MAX_YEAR_GROUPS = 8


@dataclass(frozen=True)
class DisparitySpec:
    """What to measure: outcome and grouping (filter language), confounders, case selection."""

    outcome: str
    by: str
    adjust: tuple[str, ...] = ()
    where: str | None = None
    reference: str | None = None
    corrected_ratios: bool = False   # show a ratio with 0 events as the 0.5-corrected estimate (labelled)


@dataclass
class GroupRow:
    """One group: counts, rate with interval, and its comparison with the reference group."""

    group: str
    n: int
    k: int
    rate: stats.Interval
    small: list[str]
    is_reference: bool = False
    difference: stats.Interval | None = None
    ratio: stats.Interval | None = None
    test: stats.TestResult | None = None
    p_holm: float | None = None
    ratio_note: str | None = None    # why the ratio is not estimable, e.g. "not estimable (0 events)"

    @property
    def ratio_text(self) -> str:
        return stats.ratio_text(self.ratio.to_dict() if self.ratio else None, self.ratio_note)

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "n": self.n, "outcome": self.k, "rate": self.rate.to_dict(),
                "small": bool(self.small), "small_reasons": self.small, "is_reference": self.is_reference,
                "difference": self.difference.to_dict() if self.difference else None,
                "ratio": self.ratio.to_dict() if self.ratio else None, "ratio_note": self.ratio_note,
                "ratio_text": self.ratio_text,
                "test": self.test.to_dict() if self.test else None, "p_holm": self.p_holm}


@dataclass
class DisparityResult:
    """Everything one analysis found; ``notes`` say in plain words what it does and does not show."""

    spec: DisparitySpec
    grouping: str
    reference: str
    n_cases: int
    n_outcome: int
    groups: list[GroupRow]
    overall: stats.TestResult | None
    by_year: list[dict[str, Any]] = field(default_factory=list)
    adjusted: AdjustedModel | None = None
    notes: list[str] = field(default_factory=list)
    source: str = "cases"
    n_reports: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.spec.outcome, "by": self.spec.by, "where": self.spec.where,
            "source": self.source, "reports": self.n_reports,
            "grouping": self.grouping, "reference": self.reference, "cases": self.n_cases,
            "outcome_cases": self.n_outcome, "groups": [g.to_dict() for g in self.groups],
            "overall_test": self.overall.to_dict() if self.overall else None,
            "adjusted": self.adjusted.to_dict() if self.adjusted else None,
            "by_year": self.by_year, "notes": self.notes,
        }


def _columns(spec: DisparitySpec) -> Mapping[str, Column]:
    """Case fields, or case plus intel-report fields when any expression names an intel field."""
    from caselink.disparity.intel_source import INTEL_COLUMNS, uses_intel

    names = [*compile_filter(spec.outcome, INTEL_COLUMNS).fields, *spec.adjust]
    if spec.where:
        names.extend(compile_filter(spec.where, INTEL_COLUMNS).fields)
    by = group_by(spec.by, INTEL_COLUMNS)
    names.append(by.by)
    if by.kind == "condition":
        names.extend(compile_filter(spec.by, INTEL_COLUMNS).fields)
    return INTEL_COLUMNS if uses_intel(names) else CASE_COLUMNS


def _read(store: Store, spec: DisparitySpec, grouping: Grouping, columns: Mapping[str, Column],
          purpose: str | None) -> pd.DataFrame:
    outcome = compile_filter(spec.outcome, columns)
    where = compile_filter(spec.where, columns) if spec.where else None
    intel = columns is not CASE_COLUMNS
    selected = [f"{outcome.sql} AS _outcome", f"{'intel_year' if intel else 'year(t_from)'} AS _year",
                f"{grouping.sql} AS _group"]
    for name in spec.adjust:
        column = resolve_field(name, columns)
        if column.kind in ("list", "datetime"):
            raise DisparityError(f"cannot adjust for {name}: use a scalar field or year "
                                 f"(lists and dates are not confounders here)")
        selected.append(f'{column.sql} AS "{column.name}"')
    params = [*outcome.params, *grouping.params, *(where.params if where else [])]
    if intel:
        from caselink.disparity.intel_source import intel_frame
        from caselink.intel.clock import default_clock

        return intel_frame(store, selected, where=where.sql if where else "TRUE", params=params,
                           purpose=purpose, now=default_clock()())
    return store.frame(selected, where=where.sql if where else "TRUE", params=params,
                       purpose=purpose, command="disparity")


def _pick_reference(groups: Memberships, asked: str | None, default: str | None) -> str:
    labels = list(groups.masks)
    if asked is not None:
        for label in labels:
            if label.lower() == asked.strip().lower():
                return label
        raise DisparityError(f"no group {asked!r} to use as --reference; groups are: {', '.join(labels)}")
    if default is not None and default in groups.masks:
        return default
    sizes = {label: int(mask.sum()) for label, mask in groups.masks.items() if not label.startswith("(")}
    return max(sizes or {lb: int(m.sum()) for lb, m in groups.masks.items()}, key=lambda lb: sizes.get(lb, 0))


def _small_reasons(k: int, n: int, pooled: float) -> list[str]:
    reasons = []
    if n < stats.SMALL_N:
        reasons.append(f"n < {stats.SMALL_N}")
    if min(n * pooled, n * (1 - pooled)) < stats.SMALL_EXPECTED:
        reasons.append(f"expected count < {stats.SMALL_EXPECTED:g}")
    if stats.is_small(k, n) and not reasons:
        reasons.append("fewer than 5 with or without the outcome")
    return reasons


def _ratio(row: GroupRow, ka: int, na: int, kb: int, nb: int, corrected: bool) -> None:
    """The ratio of rates, unless a side has 0 events: then "not estimable" (or, if asked, the
    0.5-corrected estimate, labelled as such)."""
    zero = [name for name, k in (("this group", ka), ("the reference", kb)) if k == 0]
    if not zero:
        row.ratio = stats.katz_ratio(ka, na, kb, nb)
        return
    row.ratio_note = f"not estimable (0 events in {' and '.join(zero)})"
    if corrected and len(zero) == 1:
        row.ratio = stats.katz_ratio(ka, na, kb, nb)


def _rows(df: pd.DataFrame, groups: Memberships, reference: str, corrected: bool = False) -> list[GroupRow]:
    y = df["_outcome"].astype(bool)
    pooled = float(y.mean())
    ref_mask = groups.masks[reference]
    rows: list[GroupRow] = []
    for label, mask in groups.masks.items():
        k, n = int(y[mask].sum()), int(mask.sum())
        row = GroupRow(label, n, k, stats.rate_interval(k, n), _small_reasons(k, n, pooled),
                       is_reference=label == reference)
        if label != reference:
            a, b = mask & ~ref_mask, ref_mask & ~mask  # a case in both is in neither side
            ka, na, kb, nb = int(y[a].sum()), int(a.sum()), int(y[b].sum()), int(b.sum())
            if na and nb:
                row.difference = stats.newcombe_difference(ka, na, kb, nb)
                _ratio(row, ka, na, kb, nb, corrected)
                row.test = stats.compare_two(ka, na, kb, nb)
        rows.append(row)
    tested = [r for r in rows if r.test is not None]
    for row, p in zip(tested, stats.holm([r.test.p_value for r in tested if r.test]), strict=True):
        row.p_holm = p
    return rows


def _by_year(df: pd.DataFrame, groups: Memberships, rows: Sequence[GroupRow]) -> list[dict[str, Any]]:
    """Rate per group per year, for the largest groups (the table has every group's total)."""
    largest = sorted(rows, key=lambda r: -r.n)[:MAX_YEAR_GROUPS]
    out: list[dict[str, Any]] = []
    years = df["_year"]
    y = df["_outcome"].astype(bool)
    for row in largest:
        mask = groups.masks[row.group]
        for year in sorted(years[mask].dropna().unique()):
            cell = mask & (years == year)
            k, n = int(y[cell].sum()), int(cell.sum())
            iv = stats.rate_interval(k, n)
            out.append({"group": row.group, "year": int(year), "n": n, "outcome": k,
                        "rate": iv.estimate, "low": iv.low, "high": iv.high})
    return out


def _adjust(df: pd.DataFrame, spec: DisparitySpec, groups: Memberships, reference: str,
            columns: Mapping[str, Column]) -> AdjustedModel:
    if groups.overlapping and not groups.masks[reference].equals(~groups.any_other(reference)):
        raise DisparityError("adjusted odds ratios on a list field need a reference group that no "
                             "other group overlaps: use --reference '(none)'")
    indicators = {label: mask.astype(int) for label, mask in groups.masks.items() if label != reference}
    fields = [resolve_field(name, columns) for name in spec.adjust]
    numeric = {f.name for f in fields if f.kind in ("number", "int") and f.name not in ("year", "intel_year")}
    confounders = df[[f.name for f in fields]]
    return adjusted_odds_ratios(df["_outcome"].astype(bool), indicators, confounders, numeric)


def run(store: Store, spec: DisparitySpec, *, purpose: str | None) -> DisparityResult:
    """Run one disparity analysis over the store's cases (the read is audited with ``purpose``)."""
    from caselink.disparity.reading import plain_notes

    columns = _columns(spec)
    grouping = group_by(spec.by, columns)
    df = _read(store, spec, grouping, columns, purpose)
    if df.empty:
        raise DisparityError("no cases match" + (f" --where {spec.where!r}" if spec.where else " (the store is empty)"))
    groups = memberships(df["_group"], grouping)
    reference = _pick_reference(groups, spec.reference, grouping.default_reference)
    rows = _rows(df, groups, reference, spec.corrected_ratios)
    overall = None if groups.overlapping else stats.association([(r.k, r.n) for r in rows])
    result = DisparityResult(spec, grouping.kind, reference, len(df), int(df["_outcome"].astype(bool).sum()),
                             rows, overall, _by_year(df, groups, rows))
    if "report_id" in df.columns:
        result.source = "intel"
        result.n_reports = int(df["report_id"].nunique())
    if spec.adjust:
        result.adjusted = _adjust(df, spec, groups, reference, columns)
    result.notes = plain_notes(result, groups)
    return result
