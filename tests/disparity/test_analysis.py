"""Disparity analysis on a store: real Met figures, grouping kinds, small groups, audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from caselink.audit import ALL_CASES, entries
from caselink.disparity import DisparityError, DisparitySpec, run
from caselink.errors import PurposeRequired
from caselink.filters import FilterError
from caselink.store import Store


def load(store: Store, tmp_path: Path, cases: list[dict[str, Any]]) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(c) for c in cases) + b"\n")
    store.ingest([path], show_progress=False, run_hooks=False)


def synthetic(n_per: dict[tuple[str, tuple[str, ...]], tuple[int, int]]) -> list[dict[str, Any]]:
    """Cases from {(sex, tags): (with outcome, without)}; outcome = classification non_suspicious."""
    cases = []
    for (sex, tags), (k, m) in n_per.items():
        for i in range(k + m):
            cases.append({
                "case_id": f"{sex}-{'-'.join(tags) or 'none'}-{i}", "incident_type": "death",
                "occurred_from": f"{2010 + i % 3}-05-01", "victim_sex": sex, "victim_tags": list(tags),
                "classification": "non_suspicious" if i < k else "suspicious",
            })
    return cases


@pytest.fixture
def met(store: Store, shared_data: Path) -> Store:
    store.ingest([shared_data / "met_homicides"], fmt="met-homicides", show_progress=False, run_hooks=False)
    return store


def test_met_unsolved_share_by_ethnicity_reproduces_the_published_figures(met: Store) -> None:
    result = run(met, DisparitySpec(outcome="status = unsolved", by="victim_ethnicity"), purpose="test")
    rates = {g.group: round(100 * g.rate.estimate, 1) for g in result.groups}
    assert rates["White"] == 8.8
    assert rates["Asian"] == 9.2
    assert rates["Black"] == 15.1
    assert rates["Not Reported/Not Known"] == 34.8
    counts = {g.group: (g.k, g.n) for g in result.groups}
    assert counts["White"] == (108, 1227) and counts["Black"] == (148, 983)
    assert result.n_cases == 2670 and result.n_outcome == 308
    assert result.reference == "White"
    by = {g.group: g for g in result.groups}
    for g in result.groups:
        assert g.rate.low < g.rate.estimate < g.rate.high
    unknown = by["Not Reported/Not Known"]
    assert unknown.small and unknown.rate.method == "clopper-pearson"  # 23 cases: flagged, kept
    assert unknown.test is not None and unknown.test.test == "fisher-exact"
    assert by["Black"].test is not None and by["Black"].test.test == "chi-square"
    assert by["Black"].p_holm is not None and by["Black"].p_holm < 0.001
    assert result.overall is not None and result.overall.p_value < 0.001


def test_met_adjusted_odds_ratios_have_intervals(met: Store) -> None:
    spec = DisparitySpec(outcome="status = unsolved", by="victim_ethnicity", adjust=("weapon", "year", "victim_sex"))
    result = run(met, spec, purpose="test")
    assert result.adjusted is not None
    black = next(r for r in result.adjusted.results if r.group == "Black")
    assert black.odds_ratio is not None and black.low is not None and black.high is not None
    assert black.low < black.odds_ratio < black.high
    assert result.adjusted.n_used == 2670
    assert "categorical" in result.adjusted.terms["year"]
    assert any("holds weapon, year, victim_sex constant" in n for n in result.notes)


def test_read_is_audited_with_purpose_and_needs_one(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, synthetic({("M", ()): (3, 40), ("F", ()): (6, 40)}))
    with pytest.raises(PurposeRequired):
        run(store, DisparitySpec(outcome="classification = non_suspicious", by="victim_sex"), purpose=None)
    run(store, DisparitySpec(outcome="classification = non_suspicious", by="victim_sex"), purpose="review 7")
    last = entries(store.con)[0]
    assert (last.command, last.action, last.purpose) == ("disparity", "consultation", "review 7")
    assert last.detail["scope"] == ALL_CASES and last.detail["rows"] == 89 and last.case_ids == ()


def test_condition_grouping_is_yes_no_with_no_as_reference(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, synthetic({("M", ("gay",)): (12, 8), ("M", ()): (10, 70), ("F", ()): (5, 45)}))
    result = run(store, DisparitySpec(outcome="classification = non_suspicious", by="victim_tags has gay",
                                      where="victim_sex = M"), purpose="t")
    assert [(g.group, g.k, g.n) for g in result.groups] == [("yes", 12, 20), ("no", 10, 80)]
    assert result.reference == "no"
    yes = result.groups[0]
    assert yes.small == ["n < 30", "expected count < 5"] and yes.rate.method == "clopper-pearson"
    assert yes.difference is not None and yes.difference.estimate == pytest.approx(0.6 - 0.125)


def test_list_field_gives_one_group_per_tag_and_says_they_overlap(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, synthetic({("M", ("gay", "student")): (4, 6), ("M", ("gay",)): (6, 4),
                                     ("M", ()): (10, 90)}))
    result = run(store, DisparitySpec(outcome="classification = non_suspicious", by="victim_tags",
                                      adjust=("victim_sex",)), purpose="t")
    groups = {g.group: (g.k, g.n) for g in result.groups}
    assert groups == {"gay": (10, 20), "student": (4, 10), "(none)": (10, 100)}
    assert result.reference == "(none)" and result.overall is None
    assert any("groups overlap" in n for n in result.notes)
    assert result.adjusted is not None and [r.group for r in result.adjusted.results] == ["gay", "student"]


def test_list_field_adjustment_refuses_an_overlapping_reference(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, synthetic({("M", ("gay", "student")): (4, 6), ("M", ("gay",)): (6, 4)}))
    spec = DisparitySpec(outcome="classification = non_suspicious", by="victim_tags", reference="gay",
                         adjust=("year",))
    with pytest.raises(DisparityError, match="reference"):
        run(store, spec, purpose="t")


def test_missing_group_values_are_a_group_not_dropped(store: Store, tmp_path: Path) -> None:
    cases = synthetic({("M", ()): (5, 40), ("F", ()): (5, 40)})
    for c in cases[:7]:
        del c["victim_sex"]
    load(store, tmp_path, cases)
    result = run(store, DisparitySpec(outcome="classification = non_suspicious", by="victim_sex"), purpose="t")
    missing = next(g for g in result.groups if g.group == "(missing)")
    assert missing.n == 7 and missing.small
    assert sum(g.n for g in result.groups) == 90


def test_unknown_reference_and_bad_expressions_are_clear_errors(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, synthetic({("M", ()): (5, 40), ("F", ()): (5, 40)}))
    with pytest.raises(DisparityError, match="no group 'X'.*groups are: "):
        run(store, DisparitySpec(outcome="status = unsolved", by="victim_sex", reference="X"), purpose="t")
    with pytest.raises(FilterError, match="did you mean victim_sex"):
        run(store, DisparitySpec(outcome="status = unsolved", by="victim_sx"), purpose="t")
    with pytest.raises(DisparityError, match="no cases match"):
        run(store, DisparitySpec(outcome="status = unsolved", by="victim_sex", where="year > 2100"), purpose="t")
    with pytest.raises(DisparityError, match="cannot adjust for victim_tags"):
        run(store, DisparitySpec(outcome="status = unsolved", by="victim_sex", adjust=("victim_tags",)),
            purpose="t")


def test_by_year_rates_cover_each_group_and_year(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, synthetic({("M", ()): (9, 51), ("F", ()): (30, 30)}))
    result = run(store, DisparitySpec(outcome="classification = non_suspicious", by="victim_sex"), purpose="t")
    cells = {(r["group"], r["year"]): (r["outcome"], r["n"]) for r in result.by_year}
    assert cells[("F", 2010)] == (10, 20)  # i % 3 == 0 for i in 0..59: 10 of the first 30
    assert sum(n for (g, _), (_, n) in cells.items() if g == "M") == 60


def test_demo_step_reports_tagged_deaths_and_writes_the_report(store: Store, tmp_path: Path) -> None:
    from caselink.disparity import demo_step

    load(store, tmp_path, synthetic({("M", ("gay",)): (9, 3), ("M", ()): (20, 40)}))
    text = demo_step(store, tmp_path / "d.html")
    assert "by 'victim_tags has gay'" in text and "yes: 9/12 = 75.0%" in text
    assert "association, not cause" in text and (tmp_path / "d.html").exists()


@pytest.mark.slow
def test_shr_solved_share_by_race_and_sex_adjusted_for_weapon_and_year(store: Store, shared_data: Path) -> None:
    store.ingest([shared_data / "shr"], fmt="shr", show_progress=False, run_hooks=False)
    common = {"outcome": "status = cleared_other", "where": "classification = homicide", "adjust": ("weapon", "year")}
    race = run(store, DisparitySpec(by="victim_ethnicity", **common), purpose="t")  # type: ignore[arg-type]
    rates = {g.group: (g.k, g.n) for g in race.groups}
    assert race.n_cases == 54_399 and rates["White"] == (33_173, 42_721) and rates["Black"] == (5_658, 7_942)
    assert race.adjusted is not None
    black = next(r for r in race.adjusted.results if r.group == "Black")
    assert black.high is not None and black.high < 1  # lower odds of being solved, even adjusted
    sex = run(store, DisparitySpec(by="victim_sex", **common), purpose="t")  # type: ignore[arg-type]
    assert {g.group: g.n for g in sex.groups} == {"M": 39_528, "F": 14_761, "U": 110}
    assert sex.adjusted is not None and all(r.odds_ratio is not None for r in sex.adjusted.results)
