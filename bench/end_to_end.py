"""End-to-end benchmark: ``caselink evaluate --end-to-end`` on each data set, with no labels.

For each data set a source store is built (synthetic cases with their full truth, or the
crimelinkage data judged by its own series_ids), then ``caselink.endtoend.evaluate_end_to_end``
(the function the CLI calls) copies it without labels, links, queries ``similar`` and
``series``, and judges them. Data sets:

- ``london-deaths``: ``caselink synth --cases N --seed S`` (the default profile);
- ``city-acquisitive``: ``caselink synth --profile city-acquisitive --cases N --seed S``;
- ``crimelinkage``: ``caselink ingest --format crimelinkage`` of ``../shared/data/crimelinkage``,
  truth from its series_ids (labelled cases only).

    .venv/bin/python bench/end_to_end.py                                  # all three, 20,000 cases, seed 2
    .venv/bin/python bench/end_to_end.py --datasets crimelinkage --model my-model.json

Writes ``bench/results/end_to_end.json`` (one entry per data set; a later run replaces the
entries of the data sets it ran).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("CASELINK_SHARED_DATA", HERE.parent.parent / "shared" / "data")) / "crimelinkage"
DATASETS = ("london-deaths", "city-acquisitive", "crimelinkage")
PURPOSE = "end-to-end benchmark"


def _synthetic(folder: Path, profile: str, cases: int, seed: int) -> tuple[Path, Path, str]:
    """(cases JSON Lines, truth file, the equivalent command) of a synthetic data set."""
    from caselink.synth import generate

    command = f"caselink synth --profile {profile} --cases {cases} --seed {seed}"
    res = generate(cases, seed, profile=profile)
    res.write_jsonl(folder / "cases.jsonl")
    res.write_truth(folder / "truth.json")
    return folder / "cases.jsonl", folder / "truth.json", command + " --out cases.jsonl --truth truth.json"


def run_dataset(name: str, cases: int, seed: int, model: str | None, similar_sample: int,
                data: Path = DATA, deep_sample: int = 50, adapt: bool = False) -> dict[str, Any]:
    from caselink.endtoend import EndToEndConfig, evaluate_end_to_end, load_truth, truth_from_series
    from caselink.store import Store

    cfg = EndToEndConfig(model=model, similar_sample=similar_sample, similar_deep_sample=deep_sample, adapt=adapt)
    with tempfile.TemporaryDirectory(prefix="caselink-end-to-end-") as tmp:
        folder = Path(tmp)
        with Store.open(folder / "source.duckdb", user="bench") as store:
            if name == "crimelinkage":
                store.ingest([data], fmt="crimelinkage", run_hooks=False, show_progress=False)
                truth = truth_from_series(store, purpose=PURPOSE, command="bench")
                made = f"caselink ingest --format crimelinkage {data}"
                flag = "--truth-from-series"
            else:
                path, truth_path, made = _synthetic(folder, name, cases, seed)
                store.ingest([path], run_hooks=False, show_progress=False)
                truth = load_truth(truth_path)
                flag = "--truth truth.json"
            result = evaluate_end_to_end(store, truth, cfg, purpose=PURPOSE, show_progress=None)
    model_flag = (f" --model-file {model}" if model else "") + (" --adapt" if adapt else "")
    result["commands"] = [made, f"caselink evaluate --end-to-end {flag} --similar-sample {similar_sample} "
                                f"--similar-deep-sample {deep_sample}"
                                f"{model_flag} --json"]
    result["data"]["store"] = name
    if name != "crimelinkage":
        result["data"]["truth"] = f"full truth of: {made}"
    return result


def summary(name: str, d: dict[str, Any]) -> str:
    def f(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    b, c, s, r = d["blocking"], d["calibration"], d["similar"]["partner_at"], d["series"]
    at = d["links"]["at"]
    return (f"{name}: {d['data']['cases']} cases, blocking recall {f(b['recall'])} at {b['pairs_per_case']}/case; "
            f"links P/R @0.2 {f(at['0.2']['precision'])}/{f(at['0.2']['recall'])} "
            f"@0.5 {f(at['0.5']['precision'])}/{f(at['0.5']['recall'])} @0.8 {f(at['0.8']['precision'])}/"
            f"{f(at['0.8']['recall'])}; mean p/rate {f(c['mean_over_rate'])}, ECE {c['ece']}, "
            f"largest bin gap {f(c['max_bin_gap'])}; partner@1/5/10 "
            f"{f(s['1'])}/{f(s['5'])}/{f(s['10'])} (ranking {f(d['similar']['ranking_partner_at']['5'])} @5); series coverage {f(r['coverage'])}, purity {f(r['purity'])}, "
            f"B-cubed F1 {f(r['f1'])} (alone {f(r['alone_f1'])}); {d['seconds']['total']:.0f} s")


ROWS = (
    ("blocking recall (candidate pairs per case)",
     lambda d: f"{_n(d['blocking']['recall'])} ({d['blocking']['pairs_per_case']})"),
    *[(f"stored links p >= {t}: precision / recall",
       lambda d, t=t: f"{_n(d['links']['at'][t]['precision'])} / {_n(d['links']['at'][t]['recall'])}")
      for t in ("0.2", "0.5", "0.8")],
    ("mean p / true link rate (candidate pairs)", lambda d: _n(d["calibration"]["mean_over_rate"])),
    ("ECE, 10 bins / largest gap in a bin of 20+ pairs",
     lambda d: f"{_n(d['calibration']['ece'], 4)} / {_n(d['calibration']['max_bin_gap'])}"),
    ("partner@1 / @5 / @10 through `similar`",
     lambda d: " / ".join(_n(d["similar"]["partner_at"][k]) for k in ("1", "5", "10"))),
    ("partner@1 / @5 / @10 of the candidate ranking (no threshold)",
     lambda d: " / ".join(_n(d["similar"]["ranking_partner_at"][k]) for k in ("1", "5", "10"))),
    ("serial cases asked for k <= 5 / k = 10 (`similar` lists nothing)",
     lambda d: f"{d['similar']['queries']} / {d['similar'].get('queries_at', {}).get('10', d['similar']['queries'])} "
               f"of {d['similar']['serial_cases']} ({_n(d['similar']['listed_nothing'])})"),
    ("`similar` median / p95 ms (top 5; top 10)",
     lambda d: "; ".join(f"{p['seconds_median'] * 1000:.0f} / {p['seconds_p95'] * 1000:.0f}"
                         for p in d["similar"].get("passes", []))),
    ("serial cases in a series of their offender (majority)", lambda d: _n(d["series"]["coverage"])),
    ("purity of predicted series (series of 2+)",
     lambda d: f"{_n(d['series']['purity'])} ({d['series']['predicted_series']})"),
    ("B-cubed F1 (all alone)", lambda d: f"{_n(d['series']['f1'])} ({_n(d['series']['alone_f1'])})"),
    ("seconds (similar)", lambda d: f"{d['seconds']['total']:.0f} ({d['seconds']['similar']:.0f})"),
)


def _n(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def table(report: dict[str, Any]) -> str:
    """The README's table rows (markdown) of the data sets in ``report``, in ``DATASETS`` order."""
    names = [n for d in DATASETS for n in (d, f"{d} adapted") if n in report]
    return "\n".join(f"| {label} | " + " | ".join(row(report[n]) for n in names) + " |" for label, row in ROWS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--cases", type=int, default=20_000, help="Cases of each synthetic data set.")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--model", default=None, help="A model JSON (default: what `caselink link` uses).")
    parser.add_argument("--similar-sample", type=int, default=2000)
    parser.add_argument("--similar-deep-sample", type=int, default=50, help="Cases asked for k above keep_top.")
    parser.add_argument("--data", type=Path, default=DATA, help="The crimelinkage data folder.")
    parser.add_argument("--adapt", action="store_true",
                        help="Fit each store's adapted model (no labels) first; entries are keyed 'NAME adapted'.")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "end_to_end.json")
    parser.add_argument("--table", action="store_true", help="Only print the README table of the results file.")
    opts = parser.parse_args()
    if opts.table:
        report = json.loads(opts.out.read_text())
        names = [n for d in DATASETS for n in (d, f"{d} adapted") if n in report]
        print("| | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
        print(table(report))
        return
    report: dict[str, Any] = json.loads(opts.out.read_text()) if opts.out.exists() else {}
    for name in opts.datasets:
        result = run_dataset(name, opts.cases, opts.seed, opts.model, opts.similar_sample, opts.data,
                             opts.similar_deep_sample, opts.adapt)
        name = f"{name} adapted" if opts.adapt else name
        result["load_average"] = list(os.getloadavg())
        result["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        report[name] = result
        print(summary(name, result), flush=True)
        opts.out.parent.mkdir(parents=True, exist_ok=True)
        opts.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {opts.out}")


if __name__ == "__main__":
    main()
