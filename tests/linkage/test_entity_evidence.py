"""Shared entities as linkage evidence, weighted by how rare they are and by role (the entities
issue: the same man reports one death and is an associate in another)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.entities import issue_cases

from caselink.alerts import list_alerts
from caselink.compare import CaseTable, compare_pairs
from caselink.ingest.pipeline import ingest
from caselink.linkage.similar import similar
from caselink.model import default_model
from caselink.store import Store
from caselink.synth.demo import demo_path

PURPOSE = "test: shared entity evidence"


def _check_the_pair_is_found(store: Store) -> None:
    for case, other in (("ISS-A", "ISS-B"), ("ISS-B", "ISS-A")):
        top = similar(store, case, limit=3, purpose=PURPOSE)[0]
        assert top["case_id"] == other and top["probability"] >= 0.5, top
        why = " ".join(str(e["value"]) for e in top["explanation"] if e["feature"] == "entities_involved_info")
        assert "reporter / associate" in why and "bits" in why and "jon marsden" in why and "+447700900654" in why
    links = [a for a in list_alerts(store, purpose=PURPOSE) if a.kind == "linkage"]
    assert any({"ISS-A", "ISS-B"} <= {a.case_id, *a.related_ids} for a in links)


def test_a_store_of_only_those_cases_links_them(store: Store, tmp_path: Path) -> None:
    ingest(store, [issue_cases.write(tmp_path / "issue.jsonl")], show_progress=False)
    _check_the_pair_is_found(store)
    assert all(r["case_id"] != "ISS-C" or r["probability"] < 0.5
               for r in similar(store, "ISS-A", limit=3, purpose=PURPOSE))  # Marsh is another man


@pytest.mark.slow
def test_the_demo_store_links_them(store: Store, tmp_path: Path) -> None:
    ingest(store, [demo_path()], show_progress=False)
    ingest(store, [issue_cases.write(tmp_path / "issue.jsonl")], show_progress=False)
    _check_the_pair_is_found(store)


def _table(n: int, shared: dict[str, tuple[list[int], str]]) -> CaseTable:
    """``n`` unrelated cases far apart in space and time, each with its own victim; ``shared``:
    entity value -> (cases naming it, role)."""
    frame = pd.DataFrame({"case_id": [f"C{i:04d}" for i in range(n)], "t_from": np.arange(n) * 86400.0 * 30,
                          "t_to": np.arange(n) * 86400.0 * 30 + 3600, "incident_type": ["death"] * n})
    rows = [(f"C{i:04d}", "person", "victim", f"victim {i}") for i in range(n)]
    for value, (cases, role) in shared.items():
        rows += [(f"C{i:04d}", "phone", role, value) for i in cases]
    return CaseTable.from_frame(frame).with_entities(pd.DataFrame(rows, columns=["case_id", "kind", "role", "value"]))


def _entity_part(table: CaseTable, a: int, b: int) -> float:
    model = default_model()
    parts = model.explain(compare_pairs(table, [a], [b]), 0)
    return sum(p["contribution"] for p in parts if p["feature"].startswith("entities_"))


def test_a_rare_shared_phone_in_an_involved_role_says_far_more_than_a_switchboard() -> None:
    table = _table(2000, {"+447700900654": ([0, 1], "associate"), "+442079460999": (list(range(2, 302)), "other")})
    rare, common = _entity_part(table, 0, 1), _entity_part(table, 2, 3)
    nothing = _entity_part(table, 0, 2)
    assert rare > 5.0 and common < min(2.0, rare / 4) and abs(nothing) < 0.5, (rare, common, nothing)
    feats = compare_pairs(table, [0, 2], [1, 3])
    bits = feats.column("entities_involved_info")
    assert bits[0] > 10 and bits[1] == 0 and 0 < feats.column("entities_bystander_info")[1] < 6


def test_the_same_sharing_in_bystander_roles_weighs_less() -> None:
    involved = _table(500, {"+447700900654": ([0, 1], "associate")})
    bystander = _table(500, {"+447700900654": ([0, 1], "reporter")})
    assert _entity_part(involved, 0, 1) > _entity_part(bystander, 0, 1) + 2.0
