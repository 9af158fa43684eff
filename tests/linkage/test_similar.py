"""similar: output shape, ordering, links table vs on-the-fly scoring, audit, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from caselink.errors import NotFound, PurposeRequired
from caselink.linkage.link import link
from caselink.linkage.similar import similar
from caselink.store import Store

from .helpers import background_records, barking_series, write_jsonl


@pytest.fixture
def unlinked(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, background_records(200) + barking_series())
    store.ingest([path], run_hooks=False)
    return store


def _check_shape(rows: list[dict[str, object]]) -> None:
    assert rows
    for r in rows:
        assert set(r) == {"case_id", "probability", "log_odds", "stored", "explanation"}
        assert 0.0 <= r["probability"] <= 1.0  # type: ignore[operator]
        for e in r["explanation"]:  # type: ignore[attr-defined]
            assert set(e) == {"feature", "value", "contribution"}
        assert sum(e["contribution"] for e in r["explanation"]) == pytest.approx(r["log_odds"], abs=0.01)  # type: ignore[attr-defined]
    probs = [r["probability"] for r in rows]
    assert probs == sorted(probs, reverse=True)  # type: ignore[type-var]


def test_similar_scores_on_the_fly_before_link_and_reads_links_after(unlinked: Store) -> None:
    fresh = similar(unlinked, "BARK-4", limit=5, purpose="op rose")
    _check_shape(fresh)
    assert {r["case_id"] for r in fresh[:3]} == {"BARK-1", "BARK-2", "BARK-3"}
    link(unlinked)
    stored = similar(unlinked, "BARK-4", limit=3, purpose="op rose")
    _check_shape(stored)
    assert [r["case_id"] for r in stored] == [r["case_id"] for r in fresh[:3]]
    for s, f in zip(stored, fresh, strict=False):
        assert s["probability"] == pytest.approx(f["probability"], abs=1e-6)
    sources = [r[0] for r in unlinked.con.execute(
        "SELECT json_extract_string(detail, '$.source') FROM audit_log WHERE command = 'similar' "
        "AND json_extract_string(detail, '$.source') IS NOT NULL ORDER BY seq").fetchall()]
    assert sources == ["scored", "links"]


def test_similar_is_audited_with_purpose_and_ids(unlinked: Store) -> None:
    rows = similar(unlinked, "BARK-1", limit=2, purpose="op rose")
    last = unlinked.con.execute(
        "SELECT action, case_ids, purpose FROM audit_log ORDER BY seq DESC LIMIT 1").fetchall()[0]
    assert last == ("consultation", ["BARK-1"] + [r["case_id"] for r in rows], "op rose")


def test_similar_errors(unlinked: Store) -> None:
    with pytest.raises(PurposeRequired):
        similar(unlinked, "BARK-1", purpose="")
    with pytest.raises(NotFound, match="NOPE"):
        similar(unlinked, "NOPE", purpose="x")
