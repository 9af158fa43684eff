"""``caselink evaluate --end-to-end``: the --json schema, the human summary, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.endtoend.test_run import BARKING, _records, _truth_file
from tests.linkage.helpers import write_jsonl

from caselink.cli import main
from caselink.store import Store

NUMBER = (int, float)


def _ingest(db_path: Path, tmp_path: Path, labelled: bool = False) -> None:
    write_jsonl(tmp_path / "cases.jsonl", _records({c: ["S-bark"] for c in BARKING} if labelled else None))
    with Store.open(db_path, user="tester") as store:
        store.ingest([tmp_path / "cases.jsonl"], run_hooks=False, show_progress=False)


def test_json_schema(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    _ingest(db_path, tmp_path)
    truth = _truth_file(tmp_path / "truth.json")
    res = cli.invoke(main, ["evaluate", "--end-to-end", "--truth", str(truth), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["format"] == "caselink-end-to-end" and d["version"] == 1
    assert set(d) >= {"data", "model", "blocking", "links", "calibration", "similar", "series", "seconds"}
    assert set(d["data"]) >= {"cases", "labels_stripped", "truth", "truth_complete", "judged_cases", "serial_cases",
                              "true_pairs"}
    assert isinstance(d["blocking"]["recall"], float) and isinstance(d["blocking"]["pairs_per_case"], NUMBER)
    assert set(d["links"]["at"]) == {"0.2", "0.5", "0.8"}
    for v in d["links"]["at"].values():
        assert set(v) == {"links", "true_links", "precision", "recall"}
    cal = d["calibration"]
    assert set(cal) >= {"mean_probability", "link_rate", "mean_over_rate", "ece", "max_bin_gap", "bins"}
    assert all(set(b) == {"from", "to", "pairs", "linked_pairs", "mean_probability", "linked_share"}
               for b in cal["bins"])
    assert set(d["similar"]["partner_at"]) == set(d["similar"]["ranking_partner_at"]) == {"1", "5", "10"}
    assert set(d["series"]) >= {"coverage", "purity", "precision", "recall", "f1", "alone_f1", "min_probability"}
    assert d["model"]["name"]


def test_human_summary_and_truth_from_series(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    _ingest(db_path, tmp_path, labelled=True)
    res = cli.invoke(main, ["evaluate", "--end-to-end", "--truth-from-series", "--similar-sample", "0"])
    assert res.exit_code == 0, res.output
    assert "4 series_ids removed before linkage" in res.output
    assert "the 4 labelled cases only (partial truth)" in res.output
    assert "partner@5" in res.output and "blocking: recall 1.000" in res.output


def test_usage_errors(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    _ingest(db_path, tmp_path)
    res = cli.invoke(main, ["evaluate", "--end-to-end", "--json"])
    assert res.exit_code != 0 and "needs the truth" in res.output
    truth = _truth_file(tmp_path / "truth.json")
    res = cli.invoke(main, ["evaluate", "--truth", str(truth)])
    assert res.exit_code != 0 and "go with --end-to-end" in res.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else"}')
    res = cli.invoke(main, ["evaluate", "--end-to-end", "--truth", str(bad)])
    assert res.exit_code != 0 and "not a caselink synth truth file" in res.output
