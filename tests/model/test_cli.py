"""``caselink train`` and ``caselink evaluate`` on a store with solved series (audited reads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.model.planted import planted_frame

from caselink.audit import ALL_CASES
from caselink.cli import main
from caselink.model import load_model
from caselink.store import Store


@pytest.fixture
def loaded(tmp_path: Path, cli: CliRunner, db_path: Path) -> Path:
    df = planted_frame(n_series=30, n_background=150, seed=3)
    path = tmp_path / "cases.jsonl"
    with path.open("w") as fh:
        for row in df.itertuples(index=False):
            fh.write(json.dumps({
                "case_id": row.case_id, "incident_type": "burglary",
                "occurred_from": row.t_from.isoformat() + "Z", "occurred_to": row.t_to.isoformat() + "Z",
                "x": row.x, "y": row.y, "circumstances": row.circumstances, "series_ids": row.series_ids,
            }) + "\n")
    result = cli.invoke(main, ["ingest", str(path), "--no-link", "--json"])
    assert result.exit_code == 0, result.output
    return db_path


def test_train_writes_a_model_and_audits_the_read(cli: CliRunner, loaded: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    result = cli.invoke(main, ["train", "--model", "bayes", "--out", str(out), "--name", "local", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kind"] == "bayes" and data["trained_on"]["linked"] == 90
    model = load_model(out)
    assert model.name == "local" and "distance_km" in model.features
    with Store.open(loaded, user="tester") as store:
        rows = store.con.execute(
            "SELECT action, purpose, len(case_ids), json_extract_string(detail, '$.scope'), "
            "CAST(json_extract(detail, '$.rows') AS INTEGER) FROM audit_log WHERE command = 'train'").fetchall()
    assert rows == [("consultation", "training a linkage model", 0, ALL_CASES, 240)]  # the whole store


def test_evaluate_prints_the_summary(cli: CliRunner, loaded: Path) -> None:
    result = cli.invoke(main, ["evaluate", "--folds", "3", "--repeats", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["splits"] == 3
    assert 0.5 < data["pairwise"]["auc"]["mean"] <= 1.0
    assert {"hit_at_1", "hit_at_10", "mrr"} <= set(data["series"])
    human = cli.invoke(main, ["evaluate", "--folds", "3", "--repeats", "1"])
    assert "pairwise AUC" in human.output


def test_train_on_a_store_without_series_fails_clearly(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(json.dumps({"case_id": f"c{i}", "incident_type": "death",
                                           "occurred_from": "2015-01-0" + str(i + 1)}) for i in range(3)) + "\n")
    assert cli.invoke(main, ["ingest", str(path), "--no-link"]).exit_code == 0
    result = cli.invoke(main, ["train", "--out", str(tmp_path / "m.json"), "--json"])
    assert result.exit_code != 0
    assert json.loads(result.stdout)["error"] == "model_error"


def test_demo_step_reports_the_default_model_on_known_series(loaded: Path) -> None:
    from caselink.evaluate import demo_step

    with Store.open(loaded, user="tester") as store:
        text = demo_step(store)
        audited = store.con.execute("SELECT count(*) FROM audit_log WHERE command = 'demo'").fetchall()[0][0]
    assert "AUC" in text and "because" in text
    assert "B-cubed precision" in text and "every case alone" in text
    assert audited == 1


def test_train_calibrates_with_a_truth_file_and_rejects_a_wrong_one(cli: CliRunner, loaded: Path,
                                                                    tmp_path: Path) -> None:
    with Store.open(loaded, user="test") as store:
        rows = store.con.execute("SELECT case_id, series_ids FROM cases").fetchall()
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"format": "caselink-synth-truth", "version": 1,
                                 "case_offenders": {cid: list(s) for cid, s in rows if s}}))
    out = tmp_path / "model.json"
    result = cli.invoke(main, ["train", "--out", str(out), "--truth", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["trained_on"]["calibrated_to"]["labels"] == "full truth"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"case_offenders": {}}))
    result = cli.invoke(main, ["train", "--out", str(tmp_path / "m2.json"), "--truth", str(wrong)])
    assert result.exit_code != 0 and "wrong.json" in result.output and "truth file" in result.output
    assert not (tmp_path / "m2.json").exists()


def test_train_unsupervised_fits_or_refuses_and_records_it(cli: CliRunner, loaded: Path) -> None:
    from caselink.linkage.adapted import COMMAND_MARK, model_path

    result = cli.invoke(main, ["train", "--unsupervised", "--json"])
    kept = model_path(loaded)
    assert kept is not None
    if result.exit_code == 0:
        data = json.loads(result.output)
        assert data["adaptation"]["lambda"] > 0 and kept.exists()
        assert load_model(kept).adaptation is not None
    else:  # refused as not credible: a message the user can act on, and no model kept
        assert "not kept" in result.output and not kept.exists()
    with Store.open(loaded, user="t") as store:
        rows = store.con.execute("SELECT detail FROM audit_log WHERE action = 'administration'").fetchall()
    assert any(COMMAND_MARK in r[0] for r in rows)


def test_train_without_out_or_unsupervised_is_a_clear_error(cli: CliRunner, loaded: Path) -> None:
    result = cli.invoke(main, ["train", "--json"])
    assert result.exit_code != 0 and "--out FILE" in result.output
