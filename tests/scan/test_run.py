"""Scanning a store: filters, audit, alerts and the ``caselink scan`` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from caselink import audit
from caselink.alerts import list_alerts
from caselink.errors import PurposeRequired
from caselink.filters import FilterError
from caselink.scan import ScanSettings
from caselink.scan.run import run_scan

SETTINGS = ScanSettings(max_radius_km=1.0, max_days=14, replicates=99, seed=5)


@pytest.fixture
def planted(synthetic):  # type: ignore[no-untyped-def]
    return synthetic(np.random.default_rng(21), n=200, plant=10, plant_radius_m=300, plant_span=5)


def test_scan_reads_audited_with_purpose_and_finds_the_planted_cluster(loaded_store, planted) -> None:  # type: ignore[no-untyped-def]
    store = loaded_store(planted, latlon=True)
    run = run_scan(store, SETTINGS, purpose="OP-TEST scan", command="scan")
    top = run.result.clusters[0]
    assert run.result.system == "latlon" and set(top.center) == {"lat", "lon"}
    assert len({planted.case_ids[r] for r in planted.planted} & set(top.case_ids)) >= 8
    assert top.p_value < 0.05
    read = audit.entries(store.con, action="consultation", limit=1)[0]
    assert read.purpose == "OP-TEST scan" and read.command == "scan"
    assert read.detail["scope"] == audit.ALL_CASES and read.detail["rows"] == 210


def test_scan_needs_a_purpose(loaded_store, planted) -> None:  # type: ignore[no-untyped-def]
    store = loaded_store(planted)
    with pytest.raises(PurposeRequired):
        run_scan(store, SETTINGS, purpose=None)


def test_where_selects_the_kind_of_case_scanned(loaded_store, synthetic) -> None:  # type: ignore[no-untyped-def]
    """The planted cases are GHB deaths; scanning only the others finds nothing significant."""
    data = synthetic(np.random.default_rng(4), n=200, plant=10, plant_radius_m=300, plant_span=5)
    store = loaded_store(data)
    planted_ids = [data.case_ids[r] for r in data.planted]
    with store.transaction() as con:
        con.execute("UPDATE cases SET substances = ['ghb'] WHERE list_contains(?, case_id)", [planted_ids])
    ghb = run_scan(store, SETTINGS, where="substances has ghb or year = 2020", purpose="t")
    assert ghb.result.n_cases == 210
    others = run_scan(store, SETTINGS, where="not substances has ghb", purpose="t")
    assert others.result.n_cases == 200
    assert not set(planted_ids) & {c for cl in others.result.clusters for c in cl.case_ids}


@pytest.mark.parametrize("text, message", [
    ("victm_age < 30", "did you mean victim_age"),
    ("victim_sex = F and", "column"),
    ("victim_sex = 'F'; DROP TABLE cases", "column"),
])
def test_bad_filters_are_rejected_before_any_read(loaded_store, planted, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    store = loaded_store(planted)
    before = store.con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0]
    with pytest.raises(FilterError, match=message):
        run_scan(store, SETTINGS, where=text, purpose="t")
    assert store.count() == 210
    assert store.con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0] == before


def test_alerts_are_raised_once_per_significant_cluster(loaded_store, planted) -> None:  # type: ignore[no-untyped-def]
    store = loaded_store(planted)
    first = run_scan(store, SETTINGS, purpose="t", alert=True)
    significant = [c for c in first.result.clusters if c.p_value <= 0.05]
    assert len(first.alert_ids) == len(significant) >= 1
    again = run_scan(store, SETTINGS, purpose="t", alert=True)
    assert again.alert_ids == ()
    alerts = list_alerts(store, kind="scan", purpose="t")
    assert len(alerts) == len(significant)
    assert set(alerts[-1].related_ids) == set(significant[0].case_ids)
    assert alerts[-1].case_id in significant[0].case_ids


def test_cli_scan_json_and_errors(cli, loaded_store, planted) -> None:  # type: ignore[no-untyped-def]
    loaded_store(planted).close()
    from caselink.cli import main

    args = ["scan", "--max-radius-km", "1", "--max-days", "14", "--replicates", "99", "--seed", "5",
            "--purpose", "t", "--json"]
    out = cli.invoke(main, args)
    assert out.exit_code == 0, out.output
    clusters = json.loads(out.output)
    assert clusters[0]["p_value"] < 0.05 and set(clusters[0]["center"]) == {"x", "y"}
    bad = cli.invoke(main, [*args, "--where", "victm_age < 3"])
    assert bad.exit_code != 0 and "victim_age" in bad.output
    unpurposed = cli.invoke(main, ["scan", "--replicates", "19", "--json"])
    assert unpurposed.exit_code == 4
    human = cli.invoke(main, args[:-1])
    assert "most likely cluster" in human.output
