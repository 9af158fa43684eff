"""The linkage part of ``caselink demo``: link the store, show the strongest series and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from caselink.linkage.link import link
from caselink.linkage.series import series
from caselink.linkage.similar import similar

if TYPE_CHECKING:
    from caselink.store.store import Store

PURPOSE = "caselink demo"


def _reasons(explanation: list[dict[str, object]], top: int = 5) -> str:
    parts = []
    for e in explanation[:top]:
        value = f" ({e['value']})" if e.get("value") not in (None, "") else ""
        parts.append(f"{e['feature']}{value}: {float(e['contribution']):+.1f}")  # type: ignore[arg-type]
    return "; ".join(parts)


def demo_step(store: Store, *, focus_prefix: str | None = None) -> str:
    """Link what is not linked yet, then describe the most confident series (or the one whose
    cases start with ``focus_prefix``) and how its newest case links to the others."""
    report = link(store, purpose=PURPOSE, command="demo link")
    lines = [f"linked {report.linked_cases} case(s): {report.candidate_pairs:,} candidate pairs scored, "
             f"{report.stored_links:,} links kept, {report.alerts} alert(s) raised"]
    groups = series(store, min_probability=0.5, purpose=PURPOSE, command="demo series")
    if focus_prefix:
        groups = [g for g in groups if any(c.startswith(focus_prefix) for c in g["case_ids"])] or groups
    if not groups:
        lines.append("no candidate series at probability 0.5")
        return "\n".join(lines)
    top = max(groups, key=lambda g: (g["confidence"], len(g["case_ids"])))
    lines.append(f"candidate series {top['series_id']}: {len(top['case_ids'])} cases "
                 f"({', '.join(top['case_ids'])}), average link probability {top['confidence']:.2f}")
    newest = store.con.execute(
        "SELECT case_id FROM cases WHERE list_contains(?, case_id) ORDER BY t_from DESC, case_id LIMIT 1",
        [top["case_ids"]]).fetchall()[0][0]
    lines.append(f"why {newest} links to the earlier cases:")
    for row in similar(store, newest, limit=len(top["case_ids"]) + 2, purpose=PURPOSE, command="demo similar"):
        if row["case_id"] in top["case_ids"]:
            lines.append(f"  {row['case_id']}  p={row['probability']:.2f}  {_reasons(row['explanation'])}")
    return "\n".join(lines)


__all__ = ["demo_step"]
