"""Blocking recall against the full synthetic truth on both profiles, the keyed MO and same-type
blocks that raise it, and incremental == full with those blocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caselink.candidates import BlockingConfig, CandidatePairs, candidate_pairs
from caselink.store import Store

from .helpers import uniform_frame

#: the blocks as they were before the keyed MO and same-type blocks (commit 7afcf12)
BEFORE = BlockingConfig(max_partners=150, max_partners_keyed=0, max_partners_same_type=0)
# (profile, period at the benchmark's density for 4,000 cases, recall floor); measured
# (default / BEFORE): london 0.706 / 0.584 (194 / 143 pairs per case), city 0.760 / 0.664 (287 / 176)
CASES = [("london-deaths", "2012-01-01", "2013-01-01", 0.66),
         ("city-acquisitive", "2017-01-01", "2019-01-01", 0.72)]


def _recall(frame: pd.DataFrame, pairs: CandidatePairs, a: np.ndarray, b: np.ndarray) -> float:
    n = len(frame)
    have = set((pairs.a.astype(np.int64) * n + pairs.b).tolist())
    return float(np.mean([k in have for k in (a * n + b).tolist()]))


@pytest.mark.parametrize(("profile", "start", "end", "floor"), CASES)
def test_blocking_recall_of_full_truth(profile: str, start: str, end: str, floor: float, store: Store,
                                       tmp_path: Path) -> None:
    """Every pair of one offender's cases (solved or not): the new blocks find clearly more of them,
    at less than twice the pairs per case."""
    from caselink.linkage.link import load_cases
    from caselink.synth import generate
    from caselink.synth.truth import true_pairs

    res = generate(4_000, seed=5, profile=profile, start=start, end=end)
    path = tmp_path / "cases.jsonl"
    res.write_jsonl(path)
    store.ingest([path], run_hooks=False, show_progress=False)
    frame, entities = load_cases(store, purpose="test", command="test", light=True)
    row = {c: i for i, c in enumerate(frame["case_id"].tolist())}
    ids = np.array(res.case_ids)
    ta, tb = true_pairs(res)
    fa = np.array([row[c] for c in ids[ta]])
    fb = np.array([row[c] for c in ids[tb]])
    a, b = np.minimum(fa, fb), np.maximum(fa, fb)
    now, before = candidate_pairs(frame, entities=entities), candidate_pairs(frame, entities=entities, config=BEFORE)
    recall, recall_before = _recall(frame, now, a, b), _recall(frame, before, a, b)
    print(f"{profile}: recall {recall:.3f} at {len(now) / len(frame):.0f} pairs/case; "
          f"before {recall_before:.3f} at {len(before) / len(frame):.0f}")
    assert len(a) > 1_000
    assert recall >= floor and recall >= recall_before + 0.08
    assert len(now) <= 2 * len(before)


def _typed_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    frame = uniform_frame(n, no_location=0.05)
    frame["incident_type"] = rng.choice(["burglary", "robbery", "sexual_offence"], n, p=[0.6, 0.3, 0.1])
    # keys of every rarity: a few shared by most cases, many by a handful
    common = rng.choice([f"entry:{v}" for v in "abcd"], n)
    rare = [f"taken:{int(v)}" for v in rng.zipf(1.6, n) % 2_000]
    frame["circumstances"] = [[c, r] for c, r in zip(common, rare, strict=True)]
    return frame


def test_incremental_equals_full_with_keyed_and_typed_blocks() -> None:
    frame = _typed_frame(8_000)
    new = np.arange(7_940, 8_000)
    full = candidate_pairs(frame)
    inc = candidate_pairs(frame, new_rows=new)
    assert inc.windows == full.windows
    touch = np.isin(full.a, new) | np.isin(full.b, new)
    assert set(zip(inc.a.tolist(), inc.b.tolist(), strict=True)) == set(
        zip(full.a[touch].tolist(), full.b[touch].tolist(), strict=True))
    assert inc.by_block["same_type"] > 0 and sum(v for k, v in inc.by_block.items() if k.startswith("keyed_mo")) > 0


def test_rarer_keys_get_wider_windows() -> None:
    frame = _typed_frame(8_000)
    pairs = candidate_pairs(frame)
    sizes = [pairs.windows[f"keyed_mo_{i}_m"] for i in range(4) if f"keyed_mo_{i}_m" in pairs.windows]
    assert len(sizes) >= 3 and sizes == sorted(sizes, reverse=True) and sizes[0] > 2 * sizes[-1]


def test_rare_key_links_cases_far_apart_that_other_blocks_miss() -> None:
    frame = _typed_frame(6_000)
    far = [int(np.nanargmin(frame["lat"])), int(np.nanargmax(frame["lat"]))]
    for i in far:
        frame.at[i, "incident_type"] = "burglary"
        frame.at[i, "circumstances"] = ["entry:a", "method:cut_screen"]
    # 60 cases share the key: too many for the rare-fact block (at most 50), few enough for a wide window
    others = [i for i in range(6_000) if i not in far][:58]
    for i in others:
        frame.at[i, "incident_type"] = "burglary"
        frame.at[i, "circumstances"] = ["entry:b", "method:cut_screen"]
    frame.loc[far[1], ["t_from", "t_to"]] = frame.loc[far[0], ["t_from", "t_to"]].to_numpy()
    pair = (min(far), max(far))
    with_keyed = candidate_pairs(frame)
    without = candidate_pairs(frame, config=BlockingConfig(max_partners_keyed=0))
    assert pair in set(zip(with_keyed.a.tolist(), with_keyed.b.tolist(), strict=True))
    assert pair not in set(zip(without.a.tolist(), without.b.tolist(), strict=True))
