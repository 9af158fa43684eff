"""Disparity wording (issue 16): a group with 0 events has no ratio unless the corrected one is asked
for (and then it is labelled); a Monte Carlo p at its floor is shown as a bound, p ≤ 1/(R+1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from caselink.cli import main
from caselink.disparity import stats
from caselink.store import Store


def _cases() -> list[dict[str, Any]]:
    out = []
    # M: 30 of 200 unsolved; F: 20 of 100; U: 0 of 12 (no events); X: 0 of 3
    for sex, k, n in (("M", 30, 200), ("F", 20, 100), ("U", 0, 12), ("X", 0, 3)):
        for i in range(n):
            out.append({"case_id": f"{sex}{i}", "incident_type": "homicide", "occurred_from": "2010-01-01",
                        "victim_sex": sex, "status": "unsolved" if i < k else "cleared_other"})
    return out


@pytest.fixture
def loaded_db(db_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(c) for c in _cases()) + b"\n")
    with Store.open(db_path, user="tester") as store:
        store.ingest([path], show_progress=False, run_hooks=False)
    return db_path


def _run(cli: CliRunner, *extra: str) -> tuple[dict[str, Any], str]:
    args = ["disparity", "--outcome", "status = unsolved", "--by", "victim_sex", "--purpose", "t", *extra]
    as_json = cli.invoke(main, [*args, "--json"])
    human = cli.invoke(main, args)
    assert as_json.exit_code == 0 and human.exit_code == 0, as_json.output + human.output
    return json.loads(as_json.output), human.output


def test_zero_event_group_ratio_is_not_estimable(cli: CliRunner, loaded_db: Path) -> None:
    data, human = _run(cli)
    u = next(g for g in data["groups"] if g["group"] == "U")
    assert u["ratio"] is None and u["ratio_note"] == "not estimable (0 events in this group)"
    assert u["ratio_text"] == "not estimable (0 events in this group)"
    line = next(ln for ln in human.splitlines() if ln.startswith("U "))
    assert "not estimable (0 events" in line and "0.5" not in line
    f = next(g for g in data["groups"] if g["group"] == "F")
    assert f["ratio"]["estimate"] == pytest.approx(0.2 / 0.15) and f["ratio_note"] is None
    assert any("not estimable" in n and "--corrected-ratios" in n for n in data["notes"])
    assert any(n.startswith("U: 0.0% against") and "ratio not estimable" in n for n in data["notes"])


def test_corrected_ratio_on_request_is_labelled(cli: CliRunner, loaded_db: Path) -> None:
    data, human = _run(cli, "--corrected-ratios")
    u = next(g for g in data["groups"] if g["group"] == "U")
    assert u["ratio"]["estimate"] == pytest.approx((0.5 / 13) / (30.5 / 201))
    assert u["ratio_text"].endswith("[corrected: 0.5 added to each cell]")
    line = next(ln for ln in human.splitlines() if ln.startswith("U "))
    assert "corrected: 0.5 added" in line


def test_monte_carlo_p_at_its_floor_is_a_bound() -> None:
    # four groups, small expected counts (Monte Carlo), and an extreme table no simulation matches
    result = stats.association([(10, 10), (0, 10), (0, 3), (10, 10)], simulations=199, seed=1)
    assert result.simulations == 199 and result.at_floor and result.p_value == pytest.approx(1 / 200)
    assert result.p_text.startswith("p ≤ 1/200")
    assert result.to_dict()["p_at_floor"] is True
    ordinary = stats.association([(5, 10), (4, 10), (3, 3), (6, 10)], simulations=199, seed=1)
    assert not ordinary.at_floor and ordinary.p_text == f"p = {ordinary.p_value:.3g}"
    exact = stats.TestResult("chi-square", 30.0, 1e-7, 3)
    assert not exact.at_floor and exact.p_text == "p = 1e-07"


def test_floor_p_in_the_cli_and_report(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    rows = []
    for sex, k, n in (("M", 40, 40), ("F", 0, 40), ("U", 0, 3), ("X", 3, 3)):
        rows += [{"case_id": f"{sex}{i}", "incident_type": "homicide", "occurred_from": "2010-01-01",
                  "victim_sex": sex, "status": "unsolved" if i < k else "cleared_other"} for i in range(n)]
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(c) for c in rows) + b"\n")
    with Store.open(db_path, user="tester") as store:
        store.ingest([path], show_progress=False, run_hooks=False)
    report = tmp_path / "r.html"
    data, human = _run(cli, "--report", str(report))
    assert data["overall_test"]["p_at_floor"] is True
    assert "all groups: chi-square, Monte Carlo p (10000 tables), p ≤ 1/10001" in human
    assert "p = 9.9" not in human and "p ≤ 1/10001" in report.read_text(encoding="utf-8")
