"""Cluster commands: ``scan`` (space-time permutation scan) and ``clusters --rule map``.

The scan library (numba, scipy) is imported inside the commands: this module is imported on
every ``caselink`` call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from caselink import progress
from caselink.cli.common import emit, json_option, open_store, purpose_option, store_options


def _human_scan(clusters: list[dict[str, Any]]) -> None:
    if not clusters:
        click.echo("no cylinder has more cases than expected")
        return
    for i, c in enumerate(clusters):
        label = "most likely cluster" if i == 0 else f"secondary cluster {i}"
        where = ", ".join(f"{k} {v:.5g}" for k, v in c["center"].items())
        cases = f"{c['observed']} case" + ("s" if c["observed"] != 1 else "")
        click.echo(f"{label}: {cases} ({c['expected']:.2f} expected), LLR {c['llr']:.2f}, "
                   f"p = {c['p_value']:.3g}")
        click.echo(f"  {c['start']} to {c['end']}, within {c['radius_km']:.3g} km of {where}")
        click.echo(f"  cases: {', '.join(c['case_ids'])}")


@click.command()
@click.option("--where", default=None, help='Which cases to scan, e.g. "substances has ghb and victim_age < 40".')
@click.option("--max-radius-km", type=float, default=None, help="Largest circle radius in km.")
@click.option("--max-share", type=float, default=None,
              help="Largest circle as a share of the scanned cases (with no radius either: 10%, at most 100 cases).")
@click.option("--max-days", type=int, default=30, show_default=True, help="Longest time window, in days.")
@click.option("--time-unit", type=click.Choice(["day", "week", "month"]), default="day", show_default=True)
@click.option("--replicates", type=int, default=999, show_default=True, help="Monte Carlo replicates.")
@click.option("--seed", type=int, default=None, help="Random seed, for a reproducible p-value.")
@click.option("--prospective", is_flag=True, help="Only clusters still going on at the end of the data.")
@click.option("--max-clusters", type=int, default=10, show_default=True,
              help="Most likely cluster plus at most this many minus one secondary clusters.")
@click.option("--alert", is_flag=True, help="Raise a scan alert for each cluster at p <= --alert-p.")
@click.option("--alert-p", type=float, default=0.05, show_default=True)
@store_options
@purpose_option
@json_option
def scan(where: str | None, max_radius_km: float | None, max_share: float | None, max_days: int,
         time_unit: str, replicates: int, seed: int | None, prospective: bool, max_clusters: int,
         alert: bool, alert_p: float, db: Path | None, user: str | None, purpose: str | None,
         as_json: bool) -> None:
    """Find space-time clusters of cases (Kulldorff's space-time permutation scan statistic).

    Needs no labels and no population: a cluster is a place and time with more of the selected
    cases than the place's and the time's overall shares predict. Needs --purpose (audited).
    """
    from caselink.scan.permutation import ScanSettings
    from caselink.scan.run import run_scan

    settings = ScanSettings(max_radius_km=max_radius_km, max_share=max_share, max_days=max_days,
                            time_unit=time_unit, replicates=replicates, seed=seed,
                            prospective=prospective, max_clusters=max_clusters)
    with open_store(db, user) as store, \
            progress.bar("replicates", total=replicates, show=False if as_json else None) as bar:
        run = run_scan(store, settings, where=where, purpose=purpose, alert=alert, alert_p=alert_p,
                       progress=bar.advance)
    clusters = [c.to_dict() for c in run.result.clusters]
    emit(clusters, as_json, _human_scan)
    if not as_json:
        click.echo(f"{run.result.n_cases} cases scanned ({run.without_location} without a location), "
                   f"{replicates} replicates" + (f"; {len(run.alert_ids)} new alerts" if alert else ""),
                   err=True)


def _human_clusters(found: list[dict[str, Any]]) -> None:
    if not found:
        click.echo("no group is at or below the threshold with enough victims")
        return
    for c in found:
        keys = ", ".join(f"{v}" for v in c["keys"].values())
        click.echo(f"{c['unsolved']:>4} unsolved of {c['victims']:>4} ({c['solved_share']:.0%} solved)  "
                   f"{keys}  {c['first_year']}-{c['last_year']}")


@click.command()
@click.option("--rule", type=click.Choice(["map"]), default="map", show_default=True,
              help="Cluster rule (map: the Murder Accountability Project's low-clearance groups).")
@click.option("--level", default="county", show_default=True,
              help="Geography: county (area), msa (x_msa) or any single-valued field name.")
@click.option("--threshold", type=float, default=0.33, show_default=True, help="Highest solved share flagged.")
@click.option("--min-victims", type=int, default=10, show_default=True)
@click.option("--years", default=None, help="Year range, e.g. 1976-2018.")
@click.option("--victim-sex", type=click.Choice(["M", "F", "X", "U"], case_sensitive=False), default=None)
@click.option("--where", default=None, help="Further selection in the filter language.")
@click.option("--alert", is_flag=True, help="Raise a cluster alert for each flagged group.")
@store_options
@purpose_option
@json_option
def clusters(rule: str, level: str, threshold: float, min_victims: int, years: str | None,
             victim_sex: str | None, where: str | None, alert: bool, db: Path | None, user: str | None,
             purpose: str | None, as_json: bool) -> None:
    """Groups of homicides with very low solution rates (MAP rule), most unsolved first.

    Groups by geography, victim sex and weapon; flags groups with at least --min-victims whose
    solved share is at or below --threshold. Needs --purpose (audited).
    """
    from caselink.scan.mapclusters import (
        MapSettings,
        map_clusters,
        parse_years,
        raise_cluster_alerts,
    )

    settings = MapSettings(level=level, threshold=threshold, min_victims=min_victims,
                           years=parse_years(years), victim_sex=victim_sex, where=where)
    with open_store(db, user) as store:
        found = map_clusters(store, settings, purpose=purpose)
        new = raise_cluster_alerts(store, found, purpose=purpose or "") if alert and found else ()
    emit([c.to_dict() for c in found], as_json, _human_clusters)
    if alert and not as_json:
        click.echo(f"{len(new)} new cluster alerts", err=True)


COMMANDS = [scan, clusters]
