"""``caselink synth``: write synthetic cases with planted series (and their truth) to a file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from caselink.cli.common import echo_err, emit, json_option, to_json


@click.command()
@click.option("--cases", "n_cases", type=int, required=True, help="Number of cases to generate.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same data).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: JSON Lines on standard output). CSV also writes <stem>.entities.csv.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--truth", "truth", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the full truth (every offender's cases, solved or not; who each entity is) as JSON.")
@click.option("--profile", "profile", default="london-deaths", show_default=True,
              help="Kind of data: london-deaths (deaths and violent crime in London) or city-acquisitive "
                   "(a city's burglaries, robberies and sexual offences with keyed MO codes).")
@click.option("--start", default=None, help="First date of the generated period (default: the profile's).")
@click.option("--end", default=None, help="End of the generated period, exclusive (default: the profile's).")
@click.option("--series-share", type=float, default=None,
              help="Share of cases committed by serial offenders (default: the profile's, 0.25 / 0.15).")
@click.option("--no-barking", is_flag=True, help="Do not plant the Barking-like series of four deaths.")
@click.option("--difficulty", is_flag=True, help="Also report a plain logistic model's pairwise AUC on the data.")
@json_option
def synth(n_cases: int, seed: int, out: Path | None, fmt: str, truth: Path | None, profile: str,
          start: str | None, end: str | None, series_share: float | None, no_barking: bool, difficulty: bool,
          as_json: bool) -> None:
    """Generate contract-valid synthetic cases: serial offenders with a home base, habits and a
    drifting MO, background cases around the same hot spots, people named across cases.

    Solved series carry series_ids; unsolved ones do not (see --truth for everything).
    """
    from caselink.synth import SynthError, generate

    if fmt == "csv" and out is None:
        raise SynthError("--format csv needs --out FILE (the entities go to a second file next to it)")
    began = time.perf_counter()
    result = generate(n_cases, seed, profile=profile, start=start, end=end, series_share=series_share,
                      plant_barking=not no_barking)
    written = result.write_csv(out) if fmt == "csv" and out is not None else result.write_jsonl(out)
    if truth is not None:
        result.write_truth(truth)
    summary = _summary(result, written, out, truth, time.perf_counter() - began)
    if difficulty:
        from caselink.synth.difficulty import pairwise_auc

        summary["difficulty"] = pairwise_auc(result, seed=seed)

    def human(d: dict[str, Any]) -> None:
        echo_err(f"{d['cases']} {d['profile']} cases written to {d['out']} in {d['seconds']:.1f} s: {d['series_cases']} "
                 f"in {d['serial_offenders']} planted series ({d['labelled_series_cases']} labelled), "
                 f"{d['entities']} entity mentions")
        if d.get("truth"):
            echo_err(f"truth written to {d['truth']}")
        if "difficulty" in d:
            echo_err(f"reference logistic model pairwise AUC: {d['difficulty']['auc']:.3f}")

    if out is None:
        if as_json:  # standard output holds the records: the summary goes to standard error
            echo_err(to_json(summary))
    else:
        emit(summary, as_json, human)


def _summary(result: Any, written: int, out: Path | None, truth: Path | None, seconds: float) -> dict[str, Any]:
    c = result.columns
    serial = [o for o, kind in result.offender_kind.items() if kind != "singleton"]
    in_series = (c.style >= 0).sum()
    return {
        "cases": written, "seed": result.config.seed, "profile": result.config.profile, "out": str(out) if out else "-",
        "truth": str(truth) if truth else None, "seconds": round(seconds, 3),
        "serial_offenders": len(serial), "series_cases": int(in_series),
        "labelled_series_cases": int(((c.style >= 0) & c.label1).sum()),
        "co_offended_cases": int((c.offender2 >= 0).sum()),
        "entities": int(len(result.mentions.case)),
        "barking_planted": "planted_barking" in result.offender_kind.values(),
    }


COMMANDS = [synth]
