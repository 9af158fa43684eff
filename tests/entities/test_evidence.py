"""What cases share, phrased: one query for every pair gives the same phrases as pair by pair."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

from caselink.entities.evidence import explain_shared, explain_shared_among
from caselink.entities.stored import resolve_store
from caselink.ingest.pipeline import ingest
from caselink.store import Store

ENTITIES = {
    "C-1": [("phone", "witness", "07700 900321"), ("vehicle", "suspect", "AB12 CDE")],
    "C-2": [("phone", "reporter", "+44 7700 900321"), ("vehicle", "associate", "ab12cde")],
    "C-3": [("phone", "suspect", "07700900321")],
    "C-4": [("phone", "other", "07700 900999")],
}


def test_phrases_for_all_pairs_match_pair_by_pair(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps({
        "case_id": c, "incident_type": "death", "occurred_from": "2015-01-01",
        "entities": [{"kind": k, "role": r, "value": v} for k, r, v in es]}) + "\n" for c, es in ENTITIES.items()))
    ingest(store, [path], run_hooks=False)
    assert explain_shared_among(store.con, sorted(ENTITIES)) == {}  # nothing resolved yet
    resolve_store(store, purpose="test")
    found = explain_shared_among(store.con, sorted(ENTITIES))
    expected = {(a, b): explain_shared(store.con, a, b) for a, b in combinations(sorted(ENTITIES), 2)}
    assert found == {k: v for k, v in expected.items() if v}
    assert set(found) == {("C-1", "C-2"), ("C-1", "C-3"), ("C-2", "C-3")}
    assert found[("C-1", "C-2")] == [
        "same phone (+447700900321): witness in C-1, reporter in C-2, same normalised value",
        "same vehicle (AB12CDE): suspect in C-1, associate in C-2, same normalised value"]
    assert explain_shared_among(store.con, ["C-1"]) == {}
