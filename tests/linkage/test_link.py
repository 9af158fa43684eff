"""Link end to end on a store: links stored with explanations, idempotent, incremental, alerts, audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from caselink.alerts import acknowledge, list_alerts
from caselink.linkage import link_after_ingest
from caselink.linkage.link import LinkConfig, link, pending_case_ids
from caselink.store import Store

from .helpers import background_records, barking_series, write_jsonl


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    """Background cases plus the first three Barking deaths, linked once."""
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, background_records(300) + barking_series()[:3])
    store.ingest([path], run_hooks=False)
    link(store)
    return store


def _links(store: Store) -> list[tuple[str, str, float]]:
    return [(a, b, round(p, 9)) for a, b, p in store.con.execute(
        "SELECT case_a, case_b, probability FROM links ORDER BY case_a, case_b").fetchall()]


def test_link_stores_the_planted_series_with_explanations(loaded: Store) -> None:
    rows = loaded.con.execute(
        "SELECT case_a, case_b, probability, log_odds, explanation, model_name FROM links "
        "WHERE case_a LIKE 'BARK%' AND case_b LIKE 'BARK%'").fetchall()
    assert {(a, b) for a, b, *_ in rows} == {("BARK-1", "BARK-2"), ("BARK-1", "BARK-3"), ("BARK-2", "BARK-3")}
    import orjson

    for _, _, p, lo, ex, name in rows:
        items = orjson.loads(ex)
        assert p > 0.5 and name
        assert {"feature", "value", "contribution"} <= set(items[0])
        assert sum(e["contribution"] for e in items) == pytest.approx(lo, abs=0.01)
    background_best = loaded.con.execute(
        "SELECT max(probability) FROM links WHERE case_a LIKE 'BG%' AND case_b LIKE 'BG%'").fetchall()[0][0]
    assert background_best is None or background_best < min(r[2] for r in rows)


def test_relink_is_idempotent(loaded: Store) -> None:
    before = _links(loaded)
    again = link(loaded)
    assert again.linked_cases == 0 and pending_case_ids(loaded) == []
    full = link(loaded, full=True)
    assert full.linked_cases == 303
    assert _links(loaded) == before


def test_ingest_hook_links_new_case_and_raises_alert_with_explanation(loaded: Store, tmp_path: Path) -> None:
    path = tmp_path / "new.jsonl"
    write_jsonl(path, [barking_series()[3]])
    before = len(_links(loaded))
    from caselink.ingest.pipeline import AFTER_INGEST

    assert link_after_ingest in AFTER_INGEST
    report = loaded.ingest([path])
    assert "1 case(s) linked" in report.extra["linkage"]
    assert len(_links(loaded)) > before
    alerts = list_alerts(loaded, kind="linkage", purpose="review")
    # the first link alerted on BARK-2 and BARK-3 (each linked to an earlier death); now BARK-4
    assert sorted(str(a.case_id) for a in alerts) == ["BARK-2", "BARK-3", "BARK-4"]
    alert = alerts[0]
    assert alert.case_id == "BARK-4"
    assert set(alert.related_ids) == {"BARK-1", "BARK-2", "BARK-3"}
    assert alert.detail["links"][0]["explanation"][0]["feature"]
    assert alert.score is not None and alert.score >= LinkConfig().alert_probability
    # the same ingest again changes nothing and raises nothing new
    loaded.ingest([path])
    assert len(list_alerts(loaded, kind="linkage", purpose="review")) == 3
    acked = acknowledge(loaded, alert.alert_id, "passed to the MIT, ref OP-ROSE")
    assert acked.acknowledged_by == "tester"
    last = loaded.con.execute(
        "SELECT action, command, purpose FROM audit_log ORDER BY seq DESC LIMIT 1").fetchall()[0]
    assert last == ("alteration", "alerts ack", "passed to the MIT, ref OP-ROSE")


def test_link_is_audited_as_combination(loaded: Store) -> None:
    rows = loaded.con.execute(
        "SELECT action, len(case_ids), detail FROM audit_log WHERE command = 'link' ORDER BY seq").fetchall()
    actions = [r[0] for r in rows]
    assert actions == ["combination", "combination"]  # the read of the cases, then the write of the links
    assert rows[1][1] == 303 and '"stored_links"' in rows[1][2]


def test_changed_case_is_relinked(loaded: Store, tmp_path: Path) -> None:
    moved = dict(barking_series()[2], lat=51.40, lon=-0.35, occurred_from="2013-01-05T04:00",
                 circumstances=["argument"], substances=["alcohol"], victim_tags=[], narrative="Fell in a pub.")
    path = tmp_path / "changed.jsonl"
    write_jsonl(path, [moved])
    loaded.ingest([path], run_hooks=False)
    assert pending_case_ids(loaded) == ["BARK-3"]
    link(loaded)
    pairs = {(a, b) for a, b, _ in _links(loaded)}
    assert ("BARK-1", "BARK-2") in pairs and ("BARK-1", "BARK-3") not in pairs


def test_demo_step_shows_the_planted_series_with_reasons(store: Store, tmp_path: Path) -> None:
    from caselink.linkage.demo import demo_step

    path = tmp_path / "cases.jsonl"
    write_jsonl(path, background_records(200) + barking_series())
    store.ingest([path], run_hooks=False)
    text = demo_step(store, focus_prefix="BARK")
    assert "BARK-1, BARK-2, BARK-3, BARK-4" in text
    assert "why BARK-4 links to the earlier cases:" in text
    assert text.count("  BARK-") == 3 and ": +" in text


def test_case_without_location_is_still_linked(store: Store, tmp_path: Path) -> None:
    series = barking_series()
    del series[3]["lat"], series[3]["lon"]
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, background_records(200) + series)
    store.ingest([path], run_hooks=False)
    report = link(store)
    assert report.by_block["no_location"] > 0
    partners = {r[0] for r in store.con.execute(
        "SELECT case_a FROM links WHERE case_b = 'BARK-4' UNION SELECT case_b FROM links WHERE case_a = 'BARK-4'"
    ).fetchall()}
    assert {"BARK-1", "BARK-2", "BARK-3"} <= partners


def test_a_failure_while_links_stream_in_leaves_the_old_links(loaded: Store) -> None:
    """Links are written chunk by chunk inside one transaction: a failure after some chunks were
    inserted (here: scoring the second chunk) rolls all of them back, with no audit row for it."""
    from caselink.linkage.link import resolve_model

    real = resolve_model(None)

    class FailsLater:
        name, version, calls = real.name, real.version, 0

        def score(self, feats: object) -> object:
            self.calls += 1
            if self.calls == 2:
                raise RuntimeError("scoring failed")
            return real.score(feats)

        def explain_many(self, *args: object, **kw: object) -> object:
            return real.explain_many(*args, **kw)

    assert link(loaded, full=True).candidate_pairs > 1000  # more than one chunk of 1000
    before = _links(loaded)
    audit_rows = loaded.con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0]
    model = FailsLater()
    with pytest.raises(RuntimeError, match="scoring failed"):
        link(loaded, full=True, model=model, config=LinkConfig(chunk_pairs=1000, store_probability=0.0))
    assert model.calls == 2
    assert _links(loaded) == before
    # the run's read of the cases is audited before scoring; no row records links it did not store
    details = [d for (d,) in loaded.con.execute("SELECT detail FROM audit_log ORDER BY seq").fetchall()[audit_rows:]]
    assert not any("stored_links" in (d or "") for d in details)


def test_full_relink_keeps_the_links_table_definition_and_indexes(loaded: Store) -> None:
    """A full run swaps in a new links table (same columns, NOT NULLs and primary key); with an
    extra index on links it deletes in place instead, so the index survives."""
    ddl = "SELECT sql FROM duckdb_tables() WHERE table_name = 'links'"
    before, links = loaded.con.execute(ddl).fetchall(), _links(loaded)
    link(loaded, full=True)
    assert loaded.con.execute(ddl).fetchall() == before and _links(loaded) == links
    loaded.con.execute("CREATE INDEX links_by_b ON links (case_b)")
    link(loaded, full=True)
    assert _links(loaded) == links
    assert loaded.con.execute("SELECT index_name FROM duckdb_indexes() WHERE table_name = 'links'").fetchall() == [
        ("links_by_b",)]


def test_scoring_reports_progress_for_every_pair(loaded: Store) -> None:
    """``score_pairs`` tells a progress bar, chunk by chunk, how many pairs it scored."""
    import numpy as np

    from caselink.linkage.link import build_table, load_cases, resolve_model, score_pairs

    frame, entities = load_cases(loaded, purpose="test", command="test")
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, len(frame), 2500), rng.integers(0, len(frame), 2500)
    seen: list[int] = []
    score_pairs(build_table(frame, entities), resolve_model(None), a, b, min_probability=0.5, chunk=1000,
                advance=seen.append)
    assert seen == [1000, 1000, 500]
