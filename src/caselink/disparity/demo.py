"""The disparity part of ``caselink demo``: were deaths of gay victims closed as non-suspicious
more often than others, and how sure can we be?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from caselink.disparity.analysis import DisparitySpec, run
from caselink.disparity.reading import pct

if TYPE_CHECKING:
    from caselink.store import Store

PURPOSE = "caselink demo: outcome disparity"


def _spec(store: Store) -> DisparitySpec:
    """Deaths by victim tag if the store has tagged deaths; otherwise unsolved by ethnicity."""
    (deaths, tagged) = store.con.execute(
        "SELECT count(*), count(*) FILTER (WHERE list_contains(victim_tags, 'gay')) FROM cases "
        "WHERE incident_type = 'death'").fetchall()[0]
    if deaths and tagged:
        return DisparitySpec(outcome="classification = non_suspicious", by="victim_tags has gay",
                             where="incident_type = death", adjust=("victim_sex", "year"))
    return DisparitySpec(outcome="status in (unsolved, open)", by="victim_ethnicity")


def demo_step(store: Store, report_path: str | Path | None = None) -> str:
    """Run one disparity analysis on the demo store; write the HTML report if a path is given.

    Returns a short human-readable account (the rates, the comparison, and the main caveat).
    """
    spec = _spec(store)
    result = run(store, spec, purpose=PURPOSE)
    lines = [f"Disparity: '{spec.outcome}' by '{spec.by}'" + (f" where '{spec.where}'" if spec.where else "")
             + f" over {result.n_cases} cases:"]
    for g in result.groups:
        iv = g.rate
        flag = " (small group)" if g.small else ""
        lines.append(f"  {g.group}: {g.k}/{g.n} = {pct(iv.estimate)} (95% CI {pct(iv.low)} to {pct(iv.high)}){flag}")
    if result.adjusted is not None:
        for r in result.adjusted.results:
            if r.odds_ratio is not None and r.low is not None and r.high is not None:
                lines.append(f"  adjusted for {', '.join(result.adjusted.adjusted_for)}: {r.group} OR "
                             f"{r.odds_ratio:.2f} ({r.low:.2f} to {r.high:.2f})")
    lines.append("  " + result.notes[1])
    if report_path is not None:
        from caselink.disparity.report import write_html

        lines.append(f"  report: {write_html(result, report_path)}")
    return "\n".join(lines)
