"""Every case keeps its top partners as links; ``similar`` lists k candidates whatever the threshold
(CLI, API and case page), saying which are stored, with explanations on the "no evidence" baseline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.candidates import candidate_pairs
from caselink.cli import main
from caselink.compare.display import UNKNOWN
from caselink.linkage.context import store_context_for
from caselink.linkage.link import (
    LinkConfig,
    build_table,
    compare_pairs,
    link,
    load_cases,
    resolve_model,
)
from caselink.linkage.partners import TopPartners
from caselink.linkage.similar import similar
from caselink.store import Store

from .helpers import background_records, barking_series, write_jsonl


@pytest.fixture
def unlinked(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, background_records(200) + barking_series())
    store.ingest([path], run_hooks=False)
    return store


@settings(max_examples=60)
@given(st.integers(2, 30), st.integers(1, 6), st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29),
                                                                 st.floats(0, 1)), max_size=200), st.integers(1, 50))
def test_top_partners_are_each_rows_k_best(rows: int, k: int, offers: list[tuple[int, int, float]], chunk: int) -> None:
    offers = [(a % rows, b % rows, p) for a, b, p in offers if a % rows != b % rows]
    top = TopPartners(rows, k)
    for start in range(0, len(offers), chunk):
        part = offers[start:start + chunk]
        top.offer([a for a, _, _ in part], [b for _, b, _ in part], [p for _, _, p in part])
    for r in range(rows):
        mine = sorted((p for a, b, p in offers if r in (a, b)), reverse=True)[:k]
        got = top.p[r][top.q[r] >= 0].tolist()
        assert got == pytest.approx(mine)
    ea, eb = top.extra_pairs(below=0.5)
    assert all(a < b for a, b in zip(ea, eb, strict=True)) and len(set(zip(ea, eb, strict=True))) == len(ea)


def _scored(store: Store) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    frame, entities = load_cases(store, purpose="test", command="test")
    pairs = candidate_pairs(frame, entities=entities)
    feats = compare_pairs(build_table(frame, entities, store_context_for(store, frame, entities)), pairs.a, pairs.b)
    return frame["case_id"].to_numpy().astype(str), pairs.a, pairs.b, np.asarray(resolve_model(None).score(feats).probability)


def test_a_full_link_keeps_every_cases_top_partners_besides_the_links_above_the_threshold(unlinked: Store) -> None:
    cfg = LinkConfig(alert_probability=0.3)
    link(unlinked, full=True, config=cfg)
    ids, a, b, prob = _scored(unlinked)
    keep = prob >= cfg.store_probability
    for case in range(len(ids)):
        mine = np.flatnonzero((a == case) | (b == case))
        keep[mine[np.argsort(-prob[mine], kind="stable")[:cfg.keep_top]]] = True
    assert (keep & (prob < cfg.store_probability)).sum() > 100
    expected = {tuple(sorted((ids[x], ids[y]))) for x, y in zip(a[keep], b[keep], strict=True)}
    stored = {(x, y) for x, y in unlinked.con.execute("SELECT case_a, case_b FROM links").fetchall()}
    assert stored == expected
    # alerts stay driven by the alert threshold: a top partner below it is shown, never alerted
    alerted = unlinked.con.execute("SELECT detail FROM alerts WHERE kind = 'linkage'").fetchall()
    assert alerted and all(link_["probability"] >= 0.3 for (d,) in alerted for link_ in json.loads(d)["links"])


def _check(rows: list[dict[str, Any]], k: int) -> None:
    assert len(rows) == k
    assert [r["probability"] for r in rows] == sorted((r["probability"] for r in rows), reverse=True)
    for r in rows:
        assert sum(e["contribution"] for e in r["explanation"]) == pytest.approx(r["log_odds"], abs=0.01)
        for e in r["explanation"]:
            if e["value"] == UNKNOWN:  # not knowing a fact moves nothing
                assert e["contribution"] == 0.0
            if str(e["value"]).startswith("both "):  # a shared fact never counts against the link
                assert e["contribution"] >= 0.0, e


def test_similar_lists_k_candidates_when_no_link_is_stored(unlinked: Store) -> None:
    link(unlinked, full=True, config=LinkConfig(store_probability=1.0, keep_top=0))
    assert unlinked.con.execute("SELECT count(*) FROM links").fetchall()[0][0] == 0
    rows = similar(unlinked, "BARK-4", limit=5, purpose="op rose")
    _check(rows, 5)
    assert not any(r["stored"] for r in rows)
    assert {r["case_id"] for r in rows[:3]} == {"BARK-1", "BARK-2", "BARK-3"}


def test_similar_says_which_candidates_are_stored(unlinked: Store) -> None:
    link(unlinked, full=True)
    ids, a, b, _ = _scored(unlinked)
    counts = np.bincount(np.concatenate([a, b]), minlength=len(ids))
    case, k = str(ids[int(np.argmax(counts))]), min(int(counts.max()), 9)
    assert k >= 7
    few = similar(unlinked, case, limit=3, purpose="t")
    many = similar(unlinked, case, limit=k, purpose="t")
    _check(few, 3)
    _check(many, k)
    assert all(r["stored"] for r in many[:5])  # its top 5 are kept whatever their probability
    stored = {c for x, y in unlinked.con.execute(
        "SELECT case_a, case_b FROM links WHERE ? IN (case_a, case_b)", [case]).fetchall() for c in (x, y)}
    assert [r["stored"] for r in many] == [r["case_id"] in stored for r in many]
    assert not all(r["stored"] for r in many), "the case has candidates below the threshold beyond its top 5"
    assert [r["case_id"] for r in few] == [r["case_id"] for r in many[:3]]
    sources = [r[0] for r in unlinked.con.execute(
        "SELECT json_extract_string(detail, '$.source') FROM audit_log WHERE command = 'similar' "
        "AND json_extract_string(detail, '$.source') IS NOT NULL ORDER BY seq").fetchall()]
    assert sources == ["links", "scored"]


def test_similar_cli_lists_k_candidates_below_the_threshold(cli: CliRunner, tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    write_jsonl(path, background_records(200) + barking_series())
    assert cli.invoke(main, ["ingest", str(path), "--no-link", "--json"]).exit_code == 0
    assert cli.invoke(main, ["link", "--store-probability", "1", "--json"]).exit_code == 0
    with Store.open(db_path, user="tester") as store:
        ids, a, b, _ = _scored(store)
        counts = np.bincount(np.concatenate([a, b]), minlength=len(ids))
        case = str(ids[int(np.argmax(counts))])
        stored = {c for x, y in store.con.execute(
            "SELECT case_a, case_b FROM links WHERE ? IN (case_a, case_b)", [case]).fetchall() for c in (x, y)}
    assert counts.max() >= 8
    out = cli.invoke(main, ["similar", case, "--limit", "8", "--purpose", "t", "--json"], catch_exceptions=False)
    rows = json.loads(out.stdout)
    _check(rows, 8)
    # nothing lies above p = 1: what is stored is its top 5 (and its partners' top 5)
    assert [r["stored"] for r in rows][:5] == [True] * 5
    assert [r["stored"] for r in rows] == [r["case_id"] in stored for r in rows]
    human = cli.invoke(main, ["similar", case, "--limit", "8", "--purpose", "t"]).output
    kept = sum(r["stored"] for r in rows)
    assert human.count("stored link") == kept and human.count("not stored") == 8 - kept
