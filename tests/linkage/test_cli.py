"""The linkage commands end to end through the CLI, with --json."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from caselink.cli import main

from .helpers import background_records, barking_series, write_jsonl


def _run(cli: CliRunner, *args: str) -> object:
    result = cli.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_linkage_commands(cli: CliRunner, tmp_path: Path) -> None:
    first, last = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    series = barking_series()
    for rec in series[:2]:  # a second known series, so that --for has something to rank
        rec["series_ids"] = ["OFFENDER-P"]
    write_jsonl(first, background_records(150) + series[:3])
    write_jsonl(last, series[3:])
    _run(cli, "ingest", str(first), "--no-link", "--json")
    report = _run(cli, "link", "--json")
    assert report["linked_cases"] == 153 and report["stored_links"] >= 3  # type: ignore[index]
    ingest = _run(cli, "ingest", str(last), "--json")
    assert "1 case(s) linked" in ingest["extra"]["linkage"]  # type: ignore[index]

    sim = _run(cli, "similar", "BARK-4", "--limit", "3", "--purpose", "op rose", "--json")
    assert [r["case_id"] for r in sim][:3] and all(r["explanation"] for r in sim)  # type: ignore[attr-defined]
    groups = _run(cli, "series", "--purpose", "op rose", "--json")
    assert any({"BARK-1", "BARK-2", "BARK-3", "BARK-4"} <= set(g["case_ids"]) for g in groups)  # type: ignore[attr-defined]
    ranked = _run(cli, "series", "--for", "BARK-4", "--purpose", "op rose", "--json")
    assert ranked[0]["series_id"] == "offender-p"  # type: ignore[index]

    alerts = _run(cli, "alerts", "--kind", "linkage", "--json")
    # the first link raised alerts for BARK-2 and BARK-3 (linked to BARK-1), the ingest for BARK-4
    assert alerts[0]["case_id"] == "BARK-4"  # type: ignore[index]
    assert sorted(a["case_id"] for a in alerts) == ["BARK-2", "BARK-3", "BARK-4"]  # type: ignore[attr-defined]
    alert_id = str(alerts[0]["alert_id"])  # type: ignore[index]
    acked = _run(cli, "alerts", "ack", alert_id, "--note", "sent to MIT", "--json")
    assert acked["acknowledged_by"] == "tester"  # type: ignore[index]
    assert sorted(a["case_id"] for a in _run(cli, "alerts", "--json")) == ["BARK-2", "BARK-3"]  # type: ignore[attr-defined]
    assert len(_run(cli, "alerts", "--all", "--json")) == 3  # type: ignore[arg-type]


def test_similar_without_purpose_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    write_jsonl(path, background_records(20))
    _run(cli, "ingest", str(path), "--no-link", "--json")
    result = cli.invoke(main, ["similar", "BG00001", "--json"])
    assert result.exit_code != 0
    assert json.loads(result.stdout)["error"] == "purpose_required"
