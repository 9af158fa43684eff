"""Both synthetic data profiles write valid, ingestible records with consistent truth, and differ
in the ways ``city-acquisitive`` claims (type mix, keyed MO codes, region, pace, one-off share)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from caselink.cli import main
from caselink.schema import validate_record
from caselink.store import Store
from caselink.synth import PROFILES, SynthError, SynthResult, generate

N = 3000


@pytest.fixture(scope="module", params=sorted(PROFILES))
def made(request: pytest.FixtureRequest) -> tuple[SynthResult, list[dict[str, Any]]]:
    res = generate(N, seed=21, profile=request.param)
    return res, list(res.records)


@pytest.fixture(scope="module")
def both() -> dict[str, tuple[SynthResult, list[dict[str, Any]]]]:
    out = {}
    for name in PROFILES:
        res = generate(N, seed=21, profile=name)
        out[name] = (res, list(res.records))
    return out


def test_records_are_contract_valid_and_ingest(made: tuple[SynthResult, list[dict[str, Any]]], tmp_path: Path) -> None:
    res, records = made
    problems = [str(p) for i, r in enumerate(records, 1) for p in validate_record(r, "synth", i)[1]]
    assert problems == []
    path = tmp_path / "cases.jsonl"
    res.write_jsonl(path)
    with Store.open(tmp_path / "s.duckdb", user="tester") as store:
        report = store.ingest([path], show_progress=False, run_hooks=False)
        assert report.to_dict()["new"] == N and store.count() == N


def test_truth_is_consistent(made: tuple[SynthResult, list[dict[str, Any]]]) -> None:
    res, records = made
    truth = res.truth
    assert truth["config"]["profile"] == res.profile.name
    ids = {r["case_id"] for r in records}
    for label, off in truth["offenders"].items():
        assert set(off["case_ids"]) <= ids and set(off["labelled_case_ids"]) <= set(off["case_ids"])
        for case_id in off["case_ids"]:
            assert label in truth["case_offenders"][case_id]
    for r in records:
        assert set(r.get("series_ids", ())) <= set(truth["case_offenders"].get(r["case_id"], ()))
    serial = [o for o in truth["offenders"].values() if o["kind"] == "series"]
    assert serial and any(not o["solved"] for o in serial) and any(o["solved"] for o in serial)


def _one_off_share(res: SynthResult) -> float:
    sizes = [len(o["case_ids"]) for o in res.truth["offenders"].values()]
    return 1.0 - sum(s for s in sizes if s >= 2) / len(res.columns)


def _spans_and_radii(res: SynthResult) -> tuple[np.ndarray, np.ndarray]:
    c = res.columns
    spans, radii = [], []
    for o in np.unique(c.offender[c.style >= 0]):
        rows = np.flatnonzero(c.offender == o)
        if len(rows) >= 2:
            spans.append((c.t[rows].max() - c.t[rows].min()) / 86400)
            radii.append(np.median(np.hypot(c.x[rows] - np.median(c.x[rows]), c.y[rows] - np.median(c.y[rows]))))
    return np.array(spans), np.array(radii)


def test_city_is_mostly_one_off_acquisitive_crime(both: dict[str, Any]) -> None:
    city, city_rec = both["city-acquisitive"]
    london, london_rec = both["london-deaths"]
    assert _one_off_share(city) >= 0.8 > _one_off_share(london)
    types = Counter(r["incident_type"] for r in city_rec)
    assert (types["burglary"] + types["robbery"] + types["sexual_offence"]) / N >= 0.8
    assert not {"death", "homicide", "missing_person"} & set(types)
    assert Counter(r["incident_type"] for r in london_rec)["death"] > 0.08 * N


def test_city_records_keyed_mo_codes_one_per_key(both: dict[str, Any]) -> None:
    _, city_rec = both["city-acquisitive"]
    _, london_rec = both["london-deaths"]
    codes = [r["circumstances"] for r in city_rec if r.get("circumstances")]
    assert len(codes) > 0.6 * N
    assert all(":" in v for cs in codes for v in cs)
    assert all(len({v.split(":")[0] for v in cs}) == len(cs) for cs in codes)  # one value per key
    assert not any(":" in v for r in london_rec for v in r.get("circumstances", ()))
    city_places = {r.get("place_type") for r in city_rec} - {None}
    london_places = {r.get("place_type") for r in london_rec} - {None}
    assert len(city_places & london_places) < 0.3 * len(city_places)


def test_city_region_pace_and_missingness_differ(both: dict[str, Any]) -> None:
    city, city_rec = both["city-acquisitive"]
    london, london_rec = both["london-deaths"]
    assert all(r["lat"] < 0 for r in city_rec if "lat" in r) and all(r["lat"] > 50 for r in london_rec if "lat" in r)
    c_span, c_rad = _spans_and_radii(city)
    l_span, l_rad = _spans_and_radii(london)
    assert np.quantile(c_span, 0.95) <= 372 and np.median(l_span) > 2 * np.median(c_span)  # weeks to a year
    assert np.median(c_rad) < 0.5 * np.median(l_rad) and np.median(c_rad) < 2.0  # a few km
    narrated = np.mean(["narrative" in r for r in city_rec])
    assert narrated < 0.5 < 0.9 < np.mean(["narrative" in r for r in london_rec])
    assert np.mean(["victim_age" in r for r in city_rec]) < np.mean(["victim_age" in r for r in london_rec]) - 0.15


def test_city_keyed_mo_is_evidence_of_a_series(both: dict[str, Any]) -> None:
    """Pairs of one offender's cases share an MO code far more often than random pairs do."""
    city, _ = both["city-acquisitive"]
    c, rng = city.columns, np.random.default_rng(0)
    serial = np.flatnonzero(c.style >= 0)
    order = serial[np.argsort(c.offender[serial], kind="stable")]
    same = c.offender[order[1:]] == c.offender[order[:-1]]
    a, b = order[:-1][same], order[1:][same]
    ra, rb = rng.integers(0, len(c), (2, len(a)))
    linked = np.mean((c.circ[a] & c.circ[b]) != 0)
    random = np.mean((c.circ[ra] & c.circ[rb]) != 0)
    assert linked > random + 0.15


def test_cli_profile_option(tmp_path: Path) -> None:
    out, truth = tmp_path / "c.jsonl", tmp_path / "t.json"
    result = CliRunner().invoke(main, ["synth", "--cases", "300", "--profile", "city-acquisitive", "--out", str(out),
                                       "--truth", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["profile"] == "city-acquisitive"
    first = json.loads(out.read_text().splitlines()[0])
    assert first["occurred_from"] >= "2017-01-01" and first["agency"] == "Canterbury District Police"
    assert json.loads(truth.read_text())["config"]["profile"] == "city-acquisitive"
    bad = CliRunner().invoke(main, ["synth", "--cases", "30", "--profile", "nowhere", "--json"])
    assert bad.exit_code != 0 and "city-acquisitive" in json.loads(bad.stdout)["message"]


def test_unknown_profile_is_a_synth_error() -> None:
    with pytest.raises(SynthError, match="london-deaths"):
        generate(10, profile="atlantis")


def test_true_pairs_are_the_truths_offender_pairs(made: tuple[SynthResult, list[dict[str, Any]]]) -> None:
    from itertools import combinations

    from caselink.synth.truth import true_pairs

    res, _ = made
    ids = res.case_ids
    a, b = true_pairs(res)
    got = {(ids[i], ids[j]) for i, j in zip(a.tolist(), b.tolist(), strict=True)}
    want = {tuple(sorted(p)) for o in res.truth["offenders"].values() for p in combinations(o["case_ids"], 2)}
    assert got == want and len(got) > 100
