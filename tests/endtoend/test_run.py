"""The end-to-end evaluation on a small store with planted truth: figures right, labels never used."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.linkage.helpers import background_records, barking_series, write_jsonl

from caselink.endtoend import (
    EndToEndConfig,
    Truth,
    evaluate_end_to_end,
    load_truth,
    truth_from_series,
)
from caselink.errors import InputError
from caselink.store import Store

PURPOSE = "end-to-end test"
BARKING = [f"BARK-{k}" for k in range(1, 5)]
FAR = ["FAR-1", "FAR-2"]  # one offender, 250 km and six years apart: never a candidate pair


def _far_pair() -> list[dict[str, object]]:
    return [{"case_id": "FAR-1", "incident_type": "burglary", "occurred_from": "2010-03-01T12:00", "lat": 51.45,
             "lon": -2.58, "place_type": "flat"},
            {"case_id": "FAR-2", "incident_type": "assault", "occurred_from": "2016-09-01T12:00", "lat": 53.48,
             "lon": -2.24, "place_type": "park"}]


def _records(labels: dict[str, list[str]] | None = None) -> list[dict[str, object]]:
    recs = background_records(60, seed=3) + barking_series() + _far_pair()
    for r in recs:
        if labels and str(r["case_id"]) in labels:
            r["series_ids"] = labels[str(r["case_id"])]
    return recs


def _truth_file(path: Path) -> Path:
    offenders = {c: ["X"] for c in BARKING} | {c: ["Y"] for c in FAR}
    path.write_text(json.dumps({"format": "caselink-synth-truth", "version": 1, "case_offenders": offenders}))
    return path


def _store(tmp_path: Path, name: str, labels: dict[str, list[str]] | None = None) -> Store:
    write_jsonl(tmp_path / f"{name}.jsonl", _records(labels))
    store = Store.open(tmp_path / f"{name}.duckdb", user="tester")
    store.ingest([tmp_path / f"{name}.jsonl"], run_hooks=False, show_progress=False)
    return store


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    tmp = tmp_path_factory.mktemp("e2e")
    keep = tmp / "kept.duckdb"
    with _store(tmp, "plain") as store:
        result = evaluate_end_to_end(store, load_truth(_truth_file(tmp / "truth.json")), purpose=PURPOSE, keep=keep,
                                     show_progress=False)
    return result, keep


def test_hand_checkable_figures(planted: tuple[dict[str, Any], Path]) -> None:
    d, _ = planted
    assert d["data"]["cases"] == 66 and d["data"]["true_pairs"] == 7  # 6 Barking pairs + the far pair
    assert d["data"]["serial_cases"] == 6 and d["data"]["truth_complete"]
    # the four Barking deaths lie within 500 m (same-place block); the far pair is never compared
    assert d["blocking"]["true_pairs_in_candidates"] == 6
    assert d["blocking"]["recall"] == round(6 / 7, 4)
    # similar lists a Barking partner first for each Barking death, nothing true for the far pair
    assert d["similar"]["queries"] == 6 and not d["similar"]["sampled"]
    assert d["similar"]["partner_at"] == {"1": round(4 / 6, 4), "5": round(4 / 6, 4), "10": round(4 / 6, 4)}
    # ranking every candidate pair: the far pair was never compared, so at most the 4 deaths
    assert d["similar"]["ranking_partner_at"] == {"1": round(4 / 6, 4), "5": round(4 / 6, 4), "10": round(4 / 6, 4)}
    # the Barking deaths form a pure series (how many of the four: see the kept-store test)
    s = d["series"]
    assert s["purity"] == 1.0 and s["coverage"] >= round(2 / 6, 4) and s["f1"] > s["alone_f1"]


def test_figures_match_the_kept_store(planted: tuple[dict[str, Any], Path]) -> None:
    """Recomputed by brute force from the label-free store the run leaves behind."""
    from caselink.candidates import candidate_pairs
    from caselink.linkage.link import load_cases

    d, keep = planted
    true = {frozenset(p) for p in [(a, b) for a in BARKING for b in BARKING if a < b] + [tuple(FAR)]}
    with Store.open(keep, user="tester") as kept:
        assert kept.con.execute("SELECT count(*) FROM cases WHERE len(series_ids) > 0").fetchall()[0][0] == 0
        links = kept.con.execute("SELECT case_a, case_b, probability FROM links").fetchall()
        frame, entities = load_cases(kept, purpose=PURPOSE, command="test")
    pairs = candidate_pairs(frame, entities=entities)
    ids = frame["case_id"].tolist()
    cand = {frozenset((ids[a], ids[b])) for a, b in zip(pairs.a, pairs.b, strict=True)}
    assert d["blocking"]["candidate_pairs"] == len(cand)
    assert d["blocking"]["true_pairs_in_candidates"] == len(cand & true)
    assert d["links"]["stored"] == len(links)
    for t in (0.2, 0.5, 0.8):
        kept_t = {frozenset((a, b)) for a, b, p in links if p >= t}
        hits = len(kept_t & true)
        got = d["links"]["at"][f"{t:g}"]
        assert got["links"] == len(kept_t) and got["true_links"] == hits
        assert got["recall"] == round(hits / 7, 4)
        assert got["precision"] == (round(hits / len(kept_t), 4) if kept_t else None)
    assert d["calibration"]["pairs"] == len(cand)
    assert d["calibration"]["linked_pairs"] == len(cand & true)
    assert sum(b["pairs"] for b in d["calibration"]["bins"]) == len(cand)
    from caselink.linkage.series import series

    with Store.open(keep, user="tester") as kept:
        found = [set(x["case_ids"]) for x in series(kept, min_probability=0.5, purpose=PURPOSE)]
    offender = {c: "X" for c in BARKING} | {c: "Y" for c in FAR}
    covered = 0
    for members in found:
        for o in ("X", "Y"):
            mine = {c for c in members if offender.get(c) == o}
            covered += len(mine) if 2 * len(mine) > len(members) else 0
    assert d["series"]["predicted_series"] == len(found)
    assert d["series"]["coverage"] == round(covered / 6, 4)


def test_labels_never_reach_linkage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    planted: tuple[dict[str, Any], Path]) -> None:
    """With (misleading) series_ids in the store: no CaseTable ever holds a label, and every
    figure is the same as on the store without labels."""
    from caselink.compare import table as table_mod

    seen: list[int] = []
    original = table_mod.CaseTable.from_frame.__func__  # type: ignore[attr-defined]

    def spy(cls: Any, frame: Any, *args: Any, **kwargs: Any) -> Any:
        made = original(cls, frame, *args, **kwargs)
        seen.append(sum(bool(s) for s in made.series))
        return made

    monkeypatch.setattr(table_mod.CaseTable, "from_frame", classmethod(spy))
    labels = {c: ["S-bark"] for c in BARKING[:2]} | {"FAR-1": ["S-far"], "FAR-2": ["S-far"]}
    labels |= {"BG00001": ["S-bark"], "BG00002": ["S-far"]}  # wrong labels: they would change links if used
    with _store(tmp_path, "labelled", labels) as store:
        result = evaluate_end_to_end(store, load_truth(_truth_file(tmp_path / "truth.json")), purpose=PURPOSE,
                                     show_progress=False)
    assert seen and max(seen) == 0
    assert [p["queries"] for p in result["similar"]["passes"]] == [p["queries"] for p in planted[0]["similar"]["passes"]]
    assert result["data"]["labels_stripped"] == 6
    plain, _ = planted
    for part in ("blocking", "links", "calibration", "similar", "series"):
        strip = {"seconds_median", "seconds_p95", "passes"}
        assert {k: v for k, v in result[part].items() if k not in strip} == \
               {k: v for k, v in plain[part].items() if k not in strip}, part


def test_truth_from_series_judges_labelled_cases_only(tmp_path: Path, planted: tuple[dict[str, Any], Path]) -> None:
    labels = {c: ["S-bark"] for c in BARKING} | {"BG00001": ["S-one"]}
    with _store(tmp_path, "series", labels) as store:
        truth = truth_from_series(store, purpose=PURPOSE, command="test")
        d = evaluate_end_to_end(store, truth, purpose=PURPOSE, show_progress=False)
    assert not d["data"]["truth_complete"] and d["data"]["judged_cases"] == 5
    assert d["data"]["true_pairs"] == 6 and d["blocking"]["recall"] == 1.0
    assert d["data"]["labels_stripped"] == 5
    assert d["calibration"]["pairs"] == d["blocking"]["judged_candidate_pairs"] <= 10  # pairs among 5 cases
    # the same series as on the unlabelled store (labels never used), judged over 4 serial cases, not 6
    assert d["series"]["cases"] == 5
    assert round(d["series"]["coverage"] * 4) == round(planted[0]["series"]["coverage"] * 6) >= 2


def test_similar_sample_is_seeded_and_said(tmp_path: Path) -> None:
    with _store(tmp_path, "sample") as store:
        truth = Truth({c: ("X",) for c in BARKING} | {c: ("Y",) for c in FAR}, complete=True, source="test")
        d = evaluate_end_to_end(store, truth, EndToEndConfig(similar_sample=3, similar_deep_sample=2, seed=4), purpose=PURPOSE,
                                show_progress=False)
    assert d["similar"]["sampled"] and d["similar"]["queries"] == 3 and d["similar"]["serial_cases"] == 6
    assert d["similar"]["seed"] == 4
    assert d["similar"]["queries_at"] == {"1": 3, "5": 3, "10": 2}  # k = 10 > keep_top: the smaller sample


def test_refuses_truth_of_another_data_set(tmp_path: Path) -> None:
    with _store(tmp_path, "other") as store, pytest.raises(InputError, match="names none"):
        evaluate_end_to_end(store, Truth({"ZZ-1": ("X",), "ZZ-2": ("X",)}, True, "elsewhere"), purpose=PURPOSE)
    assert not [p for p in tmp_path.iterdir() if "end-to-end" in p.name]  # no scratch left behind


def test_figures_of_known_arrays() -> None:
    from caselink.endtoend import figures

    cal = figures.calibration(np.array([0.05, 0.15, 0.15, 0.95]), np.array([False, True, False, True]))
    assert cal["mean_probability"] == 0.325 and cal["link_rate"] == 0.5
    assert cal["ece"] == pytest.approx((0.05 + 2 * 0.35 + 0.05) / 4, abs=1e-5)
    assert [b["pairs"] for b in cal["bins"]] == [1, 2, 1] and cal["max_bin_gap"] is None
    many = figures.calibration(np.r_[np.full(40, 0.15), np.full(30, 0.55)], np.r_[np.zeros(40, bool), np.ones(30, bool)])
    assert many["max_bin_gap"] == 0.45
    at = figures.links_at(np.array([0.9, 0.6, 0.3]), np.array([True, False, True]), np.array([True, True, True]),
                          4, [0.5])
    assert at["0.5"] == {"links": 2, "true_links": 1, "precision": 0.5, "recall": 0.25}


def test_adapted_model_fits_without_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--adapt fits the scratch store's model in its link run; the fit sees no label either."""
    from caselink.linkage import adapted

    seen: list[int] = []
    original = adapted.pair_labels

    def spy(series: Any, a: Any, b: Any) -> Any:
        labels = original(series, a, b)
        seen.append(int((labels >= 0).sum()))  # pairs the fit would hold at a label
        return labels

    monkeypatch.setattr(adapted, "pair_labels", spy)
    labels = {c: ["S-bark"] for c in BARKING} | {"FAR-1": ["S-far"], "FAR-2": ["S-far"]}
    with _store(tmp_path, "adapt", labels) as store:
        d = evaluate_end_to_end(store, load_truth(_truth_file(tmp_path / "truth.json")), EndToEndConfig(adapt=True),
                                purpose=PURPOSE, show_progress=False)
    assert seen == [0]  # the adaptation ran once, with no labelled pair
    assert d["model"]["adapt"] and d["model"]["adaptation"]  # "refitted", or why the fit was refused
