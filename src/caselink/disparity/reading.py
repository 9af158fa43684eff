"""The plain-language reading of a disparity result: what the numbers do and do not show.

Shared by the CLI (``notes`` in ``--json``) and the HTML report, so both say the same thing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caselink.disparity.analysis import DisparityResult, GroupRow
    from caselink.disparity.grouping import Memberships


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _comparison_sentence(row: GroupRow, reference: str) -> str:
    assert row.difference is not None and row.test is not None
    d = row.difference
    sig = "" if row.p_holm is None else (
        "; this difference is unlikely to be chance alone even after allowing for the number of "
        "comparisons" if row.p_holm < 0.05 else "; after allowing for the number of comparisons "
        "this could be chance")
    return (f"{row.group}: {pct(row.rate.estimate)} against {pct(_ref(row))} "
            f"for {reference}, a difference of {100 * d.estimate:+.1f} points "
            f"(95% CI {100 * d.low:+.1f} to {100 * d.high:+.1f}), "
            f"ratio {row.ratio_text}{sig}.")


def _ref(row: GroupRow) -> float:
    assert row.difference is not None
    return row.rate.estimate - row.difference.estimate


def plain_notes(result: DisparityResult, groups: Memberships) -> list[str]:
    """Sentences a reviewer can read without statistics training; most important first."""
    spec = result.spec
    notes = [
        f"Of {result.n_cases} cases{' matching ' + repr(spec.where) if spec.where else ''}, "
        f"{result.n_outcome} ({pct(result.n_outcome / result.n_cases)}) had the outcome "
        f"'{spec.outcome}'. Groups are by '{spec.by}'; each is compared with '{result.reference}'.",
        "These figures show association, not cause: a difference between groups can come from "
        "how the cases differ (circumstances, place, time, recording practice) as well as from how "
        "they were treated. They cannot by themselves show prejudice, nor rule it out.",
    ]
    if result.source == "intel":
        notes.append(
            f"The rows are intel reports linked to cases ({result.n_reports} reports, {result.n_cases} "
            "report-case links; a report about several cases counts once for each), grouped by the "
            "concerned case's fields. For a report not yet acknowledged, ack_hours is the time elapsed "
            "so far, so it counts as late once it passes the limit.")
    compared = [r for r in result.groups if r.difference is not None and r.test]
    notes.extend(_comparison_sentence(r, result.reference) for r in compared[:6])
    if result.adjusted is not None:
        adj = result.adjusted
        notes.append(
            f"Adjusted odds ratios come from a logistic regression that holds {', '.join(adj.adjusted_for)} "
            f"constant ({adj.n_used} cases used, {adj.n_dropped} left out). They do not adjust for anything "
            "else: factors that were not recorded, or not included, can still explain a difference.")
    else:
        notes.append("Nothing was adjusted for: the rates are crude. Use --adjust (e.g. weapon,year) to "
                     "compare like with like on recorded factors.")
    small = [r.group for r in result.groups if r.small]
    if small:
        notes.append(
            f"Small groups ({', '.join(small)}) are shown, not hidden, but their rates are uncertain: "
            "their intervals are exact (Clopper-Pearson) and wide, and tests on them use Fisher's exact test.")
    n_tests = len(compared)
    if n_tests > 1:
        notes.append(
            f"{n_tests} groups were each compared with the reference; with many comparisons some will "
            "look different by chance, so p-values are also given Holm-adjusted (p_holm).")
    if result.overall is not None:
        notes.append(f"Test that the outcome rate is the same in every group: {result.overall.test}, "
                     f"{result.overall.p_text}.")
    if any(r.ratio_note for r in result.groups):
        notes.append("A ratio with 0 events in a group is not estimable: any value would rest on the "
                     "0.5 continuity correction alone. --corrected-ratios shows that estimate, labelled.")
    if groups.overlapping:
        notes.append(
            f"'{spec.by}' is a list: a case with several values is counted in each group "
            f"({groups.n_in_several} such cases), so groups overlap and no single all-groups test is "
            f"given; in each comparison a case in both groups is left out. {groups.n_without_value} cases "
            "have no value and form the group '(none)'.")
    elif groups.n_without_value:
        notes.append(f"{groups.n_without_value} cases have no value for '{spec.by}'; they form the group "
                     "'(missing)' rather than being dropped.")
    return notes
