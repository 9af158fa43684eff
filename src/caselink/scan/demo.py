"""The scan's part of ``caselink demo``: find the Barking-like GHB deaths without any labels.

The bundled data hold four GHB deaths within a few hundred metres over 15 months, among GHB
deaths elsewhere in London. The space-time permutation scan of GHB cases finds them as the most
likely cluster and raises a scan alert; the MAP rule then lists low-clearance homicide groups
(the demo data are small, so its minimum is lowered to 2 victims).
"""

from __future__ import annotations

from caselink.store import Store

PURPOSE = "caselink demo"
WHERE = "substances has ghb"


def demo_step(store: Store) -> str:
    """A paragraph for ``caselink demo``: the scan's most likely cluster, its alert, and MAP groups."""
    from caselink.scan.mapclusters import MapSettings, map_clusters
    from caselink.scan.permutation import ScanSettings
    from caselink.scan.run import run_scan

    settings = ScanSettings(max_radius_km=1.0, max_days=480, time_unit="week", replicates=999, seed=1)
    run = run_scan(store, settings, where=WHERE, purpose=PURPOSE, command="demo", alert=True)
    lines = [f"caselink scan --where \"{WHERE}\" --max-radius-km 1 --time-unit week --max-days 480 "
             f"--seed 1: {run.result.n_cases} cases scanned."]
    if run.result.clusters:
        top = run.result.clusters[0]
        lines.append(
            f"Most likely cluster: {top.observed} cases where {top.expected:.2f} were expected, "
            f"{top.start} to {top.end}, within {top.radius_km:.2f} km (LLR {top.llr:.2f}, "
            f"p = {top.p_value:.3f}): {', '.join(top.case_ids)}.")
    lines.append(f"{len(run.alert_ids)} scan alert(s) raised (clusters at p <= 0.05).")
    found = map_clusters(store, MapSettings(min_victims=2, threshold=0.33), purpose=PURPOSE, command="demo")
    groups = "; ".join(f"{c.geography} {c.victim_sex} {c.weapon}: {c.unsolved} of {c.victims} unsolved"
                       for c in found[:3])
    lines.append("caselink clusters --rule map --min-victims 2 (MAP rule: area x victim sex x weapon, "
                 f"<= 33% solved): {len(found)} group(s)" + (f", e.g. {groups}." if found else "."))
    return "\n".join(lines)
