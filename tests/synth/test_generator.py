"""The generator's records obey the contract, are deterministic, and carry planted structure."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest

from caselink.schema import validate_record
from caselink.synth import SynthError, SynthResult, generate
from caselink.synth.difficulty import pair_features, pairwise_auc


def _problems(records: list[dict[str, Any]]) -> list[str]:
    out = []
    for i, rec in enumerate(records, 1):
        _, problems = validate_record(rec, "synth", i)
        out.extend(str(p) for p in problems)
    return out


@pytest.mark.parametrize(("n", "seed"), [(1, 0), (49, 3), (60, 1), (1200, 2)])
def test_every_record_is_contract_valid(n: int, seed: int) -> None:
    records = list(generate(n, seed=seed).records)
    assert len(records) == n
    assert _problems(records) == []
    assert len({r["case_id"] for r in records}) == n


def test_mid_size_records_valid(mid_records: list[dict[str, Any]]) -> None:
    assert _problems(mid_records) == []


def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b, c = generate(700, seed=5), generate(700, seed=5), generate(700, seed=6)
    assert list(a.records) == list(b.records)
    assert a.truth == b.truth
    assert list(a.records) != list(c.records)


def test_records_can_be_iterated_twice(mid: SynthResult) -> None:
    first = [r["case_id"] for r in mid.records]
    assert first == [r["case_id"] for r in mid.records] and len(mid.records) == 5000


def test_several_incident_types_and_realistic_rates(mid_records: list[dict[str, Any]]) -> None:
    types = Counter(r["incident_type"] for r in mid_records)
    assert len(types) == 8 and types["burglary"] > types["homicide"]
    subs = Counter(s for r in mid_records for s in r.get("substances", []))
    assert subs["alcohol"] > 5 * subs["ghb"] > 0
    deaths = [r for r in mid_records if r["incident_type"] == "death"]
    widened = [r for r in deaths if r.get("occurred_to", r["occurred_from"]) > r["occurred_from"]]
    assert len(widened) > 0.8 * len(deaths)  # a death's time is an interval
    assert any("lat" not in r for r in mid_records) and any("victim_age" not in r for r in mid_records)
    assert len({r.get("narrative") for r in mid_records}) > 0.9 * len(mid_records)


def test_series_labels_match_truth_and_some_series_are_unlabelled(mid: SynthResult,
                                                                   mid_records: list[dict[str, Any]]) -> None:
    truth = mid.truth
    labelled = {r["case_id"]: set(r["series_ids"]) for r in mid_records if r.get("series_ids")}
    for case_id, labels in labelled.items():
        assert labels <= set(truth["case_offenders"][case_id])
    series_cases = {c for o in truth["offenders"].values() if o["kind"] == "series" for c in o["case_ids"]}
    unlabelled = series_cases - set(labelled)
    assert 0.2 * len(series_cases) < len(unlabelled) < 0.7 * len(series_cases)
    co = [c for c, offs in truth["case_offenders"].items() if len(offs) > 1]
    assert co and any(len(labelled.get(c, ())) == 2 for c in co)


def _series_and_random_pairs(res: SynthResult, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    c = res.columns
    serial = np.flatnonzero(c.style >= 0)
    order = serial[np.argsort(c.offender[serial], kind="stable")]
    same = c.offender[order[1:]] == c.offender[order[:-1]]
    linked = np.c_[order[:-1][same], order[1:][same]]
    rand = rng.integers(0, len(c), (len(linked), 2))
    return linked, rand


def test_planted_series_are_nearer_and_share_rarer_facts(mid: SynthResult) -> None:
    linked, rand = _series_and_random_pairs(mid, np.random.default_rng(0))
    fl = pair_features(mid, linked[:, 0], linked[:, 1])
    fr = pair_features(mid, rand[:, 0], rand[:, 1])
    km, days, same_type, rare = 0, 1, 2, 4
    assert np.median(np.expm1(fl[:, km])) < 0.6 * np.median(np.expm1(fr[:, km]))
    assert np.median(np.expm1(fl[:, days])) < 0.25 * np.median(np.expm1(fr[:, days]))
    assert fl[:, same_type].mean() > 0.65 > 0.4 > fr[:, same_type].mean()  # 15% of cases drift in type
    assert fl[:, rare].mean() > 2 * fr[:, rare].mean()
    hour_gap = 10
    assert fl[:, hour_gap].mean() < 0.8 * fr[:, hour_gap].mean()  # offenders keep time-of-day habits


def test_series_follow_distance_decay_from_home(mid: SynthResult) -> None:
    c, homes = mid.columns, mid.profiles_home
    rows = np.flatnonzero((c.style >= 0) & (c.offender < len(homes) - 1))
    hx = np.array([homes[int(o)][0] for o in c.offender[rows]])
    hy = np.array([homes[int(o)][1] for o in c.offender[rows]])
    d = np.hypot(c.x[rows] - hx, c.y[rows] - hy)
    counts, _ = np.histogram(d, bins=[0, 2, 4, 8, 16, 32])
    density = counts / np.diff([0, 4, 16, 64, 256, 1024])  # per unit of area (ring width grows)
    assert list(density) == sorted(density, reverse=True)


def test_not_trivially_separable() -> None:
    res = generate(6000, seed=21)
    auc = pairwise_auc(res, seed=0)["auc"]
    assert 0.85 < auc < 0.99


def test_background_clusters_at_hot_spots(mid: SynthResult) -> None:
    c = mid.columns
    bg = (c.offender < 0) & c.has_loc
    cells = Counter(zip((c.x[bg] // 1).tolist(), (c.y[bg] // 1).tolist(), strict=True))
    top = sum(n for _, n in cells.most_common(len(cells) // 10))
    assert top > 0.3 * bg.sum()  # a tenth of occupied 1 km cells hold a third of cases


def test_bad_settings_are_errors_naming_the_setting() -> None:
    with pytest.raises(SynthError, match="--cases"):
        generate(0)
    with pytest.raises(SynthError, match="series_share"):
        generate(10, series_share=1.5)
    with pytest.raises(SynthError, match="ISO"):
        generate(10, start="last year")


def _words(text: str | None) -> set[str]:
    return set((text or "").lower().replace(".", " ").replace(",", " ").split())


def test_narratives_share_wording_within_a_series_but_are_not_copies(mid: SynthResult,
                                                                      mid_records: list[dict[str, Any]]) -> None:
    linked, rand = _series_and_random_pairs(mid, np.random.default_rng(1))
    text = [r.get("narrative") for r in mid_records]

    def jaccard(pairs: np.ndarray) -> np.ndarray:
        out = []
        for a, b in pairs.tolist():
            wa, wb = _words(text[a]), _words(text[b])
            if wa and wb:
                out.append(len(wa & wb) / len(wa | wb))
        return np.array(out)

    same, other = jaccard(linked), jaccard(rand)
    assert same.mean() > 1.3 * other.mean()
    assert (same == 1.0).mean() < 0.05
