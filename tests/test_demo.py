"""`caselink demo` works from a fresh machine state and shows every stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from caselink.cli import main
from caselink.errors import CaselinkError


@pytest.mark.slow
def test_demo_runs_every_stage_and_leaves_a_verified_store(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    result = CliRunner().invoke(main, ["demo", "--db", str(db), "--report", str(tmp_path / "d.html"), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    titles = [s["title"] for s in body["steps"]]
    assert titles[0] == "Ingest" and titles[1] == "Linkage" and titles[-1] == "Audit"
    assert {"Intel and missed actions", "Outcome disparity"} <= set(titles)
    assert body["steps"][0]["data"]["stats"]["cases"] == 2000
    linkage = body["steps"][1]["data"]
    assert linkage["similar"] and all("explanation" in r for r in linkage["similar"])
    assert body["steps"][-1]["data"]["ok"] is True
    assert (tmp_path / "d.html").read_text().startswith("<!DOCTYPE html>")
    # A second run recreates the demo store instead of refusing.
    again = CliRunner().invoke(main, ["demo", "--db", str(db), "--report", str(tmp_path / "d.html"), "--json"])
    assert again.exit_code == 0, again.output


def test_demo_refuses_to_replace_a_store_that_is_not_a_demo(tmp_path: Path) -> None:
    from caselink.demo import fresh_store
    from caselink.store import Store

    db = tmp_path / "real.duckdb"
    Store.open(db, user="t").close()
    with pytest.raises(CaselinkError, match="not a demo store"):
        fresh_store(db, None, force=False)
    assert db.exists()
