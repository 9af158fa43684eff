"""The HTML report (parses, has the table and real PNG images) and the CLI's --json shape."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from caselink.cli import main
from caselink.store import Store


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def cases() -> list[dict[str, Any]]:
    out = []
    for sex, k, m in (("M", 30, 170), ("F", 25, 75), ("U", 3, 4)):
        for i in range(k + m):
            out.append({"case_id": f"{sex}{i}", "incident_type": "homicide", "occurred_from": f"{2000 + i % 4}-01-01",
                        "victim_sex": sex, "weapon": "knife" if i % 2 else "gun",
                        "status": "unsolved" if i < k else "cleared_other",
                        "victim_ethnicity": "A<b>&'\"" if i % 5 == 0 else "B"})
    return out


@pytest.fixture
def loaded_db(db_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(c) for c in cases()) + b"\n")
    with Store.open(db_path, user="tester") as store:
        store.ingest([path], show_progress=False, run_hooks=False)
    return db_path


def test_cli_json_shape_and_report(cli: CliRunner, loaded_db: Path, tmp_path: Path) -> None:
    report = tmp_path / "out.html"
    result = cli.invoke(main, ["disparity", "--outcome", "status = unsolved", "--by", "victim_sex",
                               "--adjust", "weapon,year", "--report", str(report), "--purpose", "t", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"outcome", "by", "reference", "cases", "outcome_cases", "groups", "overall_test",
                         "adjusted", "by_year", "notes", "report"}
    assert data["reference"] == "M" and data["cases"] == 307
    groups = {g["group"]: g for g in data["groups"]}
    assert groups["F"]["outcome"] == 25 and groups["F"]["n"] == 100
    assert groups["F"]["rate"]["estimate"] == pytest.approx(0.25)
    assert groups["U"]["small"] and groups["U"]["rate"]["method"] == "clopper-pearson"
    assert groups["F"]["difference"]["method"] == "newcombe" and groups["F"]["p_holm"] is not None
    assert groups["M"]["is_reference"] and groups["M"]["difference"] is None
    assert {g["group"] for g in data["adjusted"]["groups"]} == {"F", "U"}
    assert report.exists()


def test_report_parses_and_draws_svg_charts(cli: CliRunner, loaded_db: Path, tmp_path: Path) -> None:
    report = tmp_path / "out.html"
    result = cli.invoke(main, ["disparity", "--outcome", "status = unsolved", "--by", "victim_ethnicity",
                               "--report", str(report), "--purpose", "t"])
    assert result.exit_code == 0, result.output
    html = report.read_text()
    parser = _Collect()
    parser.feed(html)
    parser.close()
    tags = [t for t, _ in parser.tags]
    assert tags.count("table") >= 1 and ("table", {"id": "groups"}) in parser.tags
    assert tags.count("svg") == 2 and "img" not in tags  # rates by group, rates by year; no PNG
    figures = [a.get("id") for t, a in parser.tags if t == "figure"]
    assert figures == ["rates-chart", "years-chart"]
    groups = {g for t, a in parser.tags if t == "circle" for g in [a.get("cx")]}
    assert len(groups) >= 3   # one point per group at least, placed on the axis
    text = " ".join(parser.text)
    assert "association, not cause" in text
    assert "A<b>&'\"" in text and "A<b>" not in html  # group labels are escaped
    linked = [v for _, a in parser.tags for k, v in a.items() if k in ("src", "href")]
    assert all(v and v.startswith("data:") for v in linked)  # self-contained: nothing fetched
    assert "script" not in tags and "link" not in tags


def test_cli_errors_are_json_without_traceback(cli: CliRunner, loaded_db: Path) -> None:
    result = cli.invoke(main, ["disparity", "--outcome", "stauts = unsolved", "--by", "victim_sex",
                               "--purpose", "t", "--json"])
    assert result.exit_code != 0
    payload = json.loads(result.output.split("\nerror:")[0])
    assert payload["error"] == "filter_error" and "did you mean status" in payload["message"]
    result = cli.invoke(main, ["disparity", "--outcome", "status = unsolved", "--by", "victim_sex"])
    assert result.exit_code == 4 and "purpose" in result.output


def test_cli_human_output_lists_groups_and_notes(cli: CliRunner, loaded_db: Path) -> None:
    result = cli.invoke(main, ["disparity", "--outcome", "status = unsolved", "--by", "victim_sex",
                               "--purpose", "t"])
    assert result.exit_code == 0, result.output
    assert "*small" in result.output and "reference" in result.output
    assert "association, not cause" in result.output
