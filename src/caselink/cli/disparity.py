"""``caselink disparity``: does an outcome differ by who the victim was?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from caselink.cli.common import (
    echo_err,
    emit,
    json_option,
    open_store,
    purpose_option,
    store_options,
)


def _human(data: dict[str, Any]) -> None:
    click.echo(f"outcome '{data['outcome']}' by '{data['by']}': {data['outcome_cases']} of {data['cases']} cases")
    click.echo(f"{'group':<28}{'n':>7}{'k':>6}  {'rate % (95% CI)':<22}{'diff pts (95% CI)':<24}"
               f"{'ratio (95% CI)':<26}{'p':>9}{'p Holm':>9}")
    for g in data["groups"]:
        r, d = g["rate"], g["difference"]
        rate = f"{100 * r['estimate']:.1f} ({100 * r['low']:.1f}-{100 * r['high']:.1f})"
        diff = f"{100 * d['estimate']:+.1f} ({100 * d['low']:+.1f},{100 * d['high']:+.1f})" if d else "reference"
        ratio = "" if g["is_reference"] else g["ratio_text"]
        p = g["test"]["p_text"].removeprefix("p = ") if g["test"] else ""
        ph = f"{g['p_holm']:.3g}" if g["p_holm"] is not None else ""
        flag = " *small" if g["small"] else ""
        click.echo(f"{g['group'][:27]:<28}{g['n']:>7}{g['outcome']:>6}  {rate:<22}{diff:<24}{ratio:<26}"
                   f"{p:>9}{ph:>9}{flag}")
    if data["overall_test"]:
        t = data["overall_test"]
        click.echo(f"all groups: {t['test']}, {t['p_text']}")
    if data["adjusted"]:
        adj = data["adjusted"]
        click.echo(f"adjusted for {', '.join(adj['adjusted_for'])} ({adj['n_used']} cases):")
        for g in adj["groups"]:
            if g["odds_ratio"] is None:
                click.echo(f"  {g['group']:<28} {g['note']}")
            else:
                click.echo(f"  {g['group']:<28} OR {g['odds_ratio']:.2f} ({g['low']:.2f}-{g['high']:.2f}) "
                           f"p={g['p_value']:.3g} {g['note']}")
    click.echo("")
    for note in data["notes"]:
        click.echo(f"- {note}")


@click.command()
@click.option("--outcome", required=True, metavar="EXPR",
              help="The outcome, in the filter language, e.g. \"status in (unsolved, open)\".")
@click.option("--by", "by", required=True, metavar="FIELD|EXPR",
              help="Group by a field (victim_ethnicity), a list field (victim_tags: one group per tag) "
                   "or a condition (\"victim_tags has gay\": yes/no).")
@click.option("--adjust", default="", metavar="FIELD,...",
              help="Confounders for adjusted odds ratios (logistic regression), e.g. weapon,year.")
@click.option("--where", default=None, metavar="FILTER", help="Only cases matching this filter.")
@click.option("--corrected-ratios", is_flag=True,
              help="For a group with 0 events, show the 0.5-corrected ratio (labelled) instead of "
                   "'not estimable'.")
@click.option("--reference", default=None, metavar="GROUP",
              help="Group the others are compared with (default: the largest; 'no' for a condition; "
                   "'(none)' for a list field).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a self-contained HTML report here.")
@store_options
@purpose_option
@json_option
def disparity(outcome: str, by: str, adjust: str, where: str | None, corrected_ratios: bool,
              reference: str | None, report_path: Path | None, db: Path | None, user: str | None, purpose: str | None,
              as_json: bool) -> None:
    """Compare an outcome across victim groups, with intervals, tests and adjustment (audited).

    Example: caselink disparity --outcome "status = unsolved" --by victim_ethnicity
    --adjust weapon,year --report disparity.html --purpose "outcome audit"
    """
    from caselink.disparity import DisparitySpec, run

    spec = DisparitySpec(outcome=outcome, by=by, where=where, reference=reference,
                         corrected_ratios=corrected_ratios, adjust=tuple(a.strip() for a in adjust.split(",") if a.strip()))
    with open_store(db, user) as store:
        result = run(store, spec, purpose=purpose)
    data = result.to_dict()
    if report_path is not None:
        from caselink.disparity.report import write_html

        write_html(result, report_path)
        data["report"] = str(report_path)
    emit(data, as_json, _human)
    if report_path is not None and not as_json:
        echo_err(f"report written to {report_path}")


COMMANDS = [disparity]
