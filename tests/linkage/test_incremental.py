"""Incremental linkage: a table of the new cases and their partners, built with the store's
context, gives every pair the features and probabilities a table of the whole store gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from caselink.candidates import candidate_pairs
from caselink.compare import CaseTable, compare_pairs
from caselink.compare import context as ctx_mod
from caselink.compare.table import store_context
from caselink.linkage.context import load_text_model, store_context_for, text_model_path
from caselink.linkage.link import (
    LinkConfig,
    build_table,
    link,
    load_cases,
    partner_table,
    resolve_model,
)
from caselink.store import Store
from caselink.synth import generate

NEW = 12


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A synthetic store linked in full, then ``NEW`` more cases ingested and linked incrementally."""
    root = tmp_path_factory.mktemp("incremental")
    records = [dict(r) for r in generate(1500, seed=5, start="2014-01-01", end="2016-01-01").records]
    for name, part in (("old.jsonl", records[:-NEW]), ("new.jsonl", records[-NEW:])):
        (root / name).write_bytes(b"\n".join(orjson.dumps(r) for r in part) + b"\n")
    store = Store.open(root / "s.duckdb", user="test")
    store.ingest([root / "old.jsonl"], run_hooks=False, show_progress=False)
    link(store, full=True)
    store.ingest([root / "new.jsonl"], run_hooks=False, show_progress=False)
    store.new_ids = [str(r["case_id"]) for r in records[-NEW:]]  # type: ignore[attr-defined]
    return store


def _world(store: Store) -> tuple[Any, Any, Any, np.ndarray, np.ndarray]:
    frame, entities = load_cases(store, purpose="test", command="test")
    context = store_context_for(store, frame, entities)
    ids = frame["case_id"].to_numpy()
    new_rows = np.flatnonzero(np.isin(ids, np.asarray(store.new_ids, dtype=object)))  # type: ignore[attr-defined]
    return frame, entities, context, ids, new_rows


def test_partner_table_gives_the_features_and_probabilities_of_a_full_table(grown: Store) -> None:
    frame, entities, context, _, new_rows = _world(grown)
    pairs = candidate_pairs(frame, entities=entities, new_rows=new_rows)
    assert len(pairs) > NEW
    full = build_table(frame, entities, context)
    small, rows, pa, pb = partner_table(frame, entities, context, pairs.a, pairs.b, new_rows)
    involved = np.unique(np.concatenate([new_rows, pairs.a, pairs.b]))
    assert len(small) == len(involved) < len(full), "the table holds only the new cases and their partners"
    assert list(small.case_ids) == list(full.case_ids[involved])
    f_full = compare_pairs(full, pairs.a, pairs.b)
    f_small = compare_pairs(small, pa, pb)
    assert f_full.names == f_small.names
    for j, name in enumerate(f_full.names):
        known = ~np.isnan(f_full.values[:, j])
        assert np.array_equal(known, ~np.isnan(f_small.values[:, j])), name
        np.testing.assert_allclose(f_small.values[known, j], f_full.values[known, j], rtol=1e-5, atol=1e-5,
                                   err_msg=name)
    assert np.isfinite(f_full.column("narrative_similarity")).any()
    assert np.isfinite(f_full.column("entities_involved_info")).any() or entities.empty
    model = resolve_model(None)
    np.testing.assert_allclose(np.asarray(model.score(f_small).probability),
                               np.asarray(model.score(f_full).probability), rtol=1e-5, atol=1e-7)


def _top_partner_pairs(grown: Store, ids: np.ndarray, a: np.ndarray, b: np.ndarray, prob: np.ndarray,
                       k: int) -> np.ndarray:
    """Which new pairs are in the top ``k`` of a new case (among all its candidates) or of an old
    partner (among its links already stored and its new pairs): worked out naively."""
    old = {}
    for x, y, p in grown.con.execute("SELECT case_a, case_b, probability FROM links").fetchall():
        old.setdefault(x, []).append(p)
        old.setdefault(y, []).append(p)
    new = set(grown.new_ids)  # type: ignore[attr-defined]
    mine: dict[str, list[tuple[float, int]]] = {}
    for i, (x, y) in enumerate(zip(ids[a].astype(str), ids[b].astype(str), strict=True)):
        mine.setdefault(x, []).append((prob[i], i))
        mine.setdefault(y, []).append((prob[i], i))
    chosen = np.zeros(len(a), dtype=bool)
    for case, offers in mine.items():
        pool = [(p, i) for p, i in offers] + ([] if case in new else [(p, -1) for p in old.get(case, [])])
        for _, i in sorted(pool, key=lambda t: -t[0])[:k]:
            if i >= 0:
                chosen[i] = True
    return chosen


def test_incremental_link_stores_what_a_full_table_scores(grown: Store) -> None:
    frame, entities, context, ids, new_rows = _world(grown)
    pairs = candidate_pairs(frame, entities=entities, new_rows=new_rows)
    feats = compare_pairs(build_table(frame, entities, context), pairs.a, pairs.b)
    prob = np.asarray(resolve_model(None).score(feats).probability)
    cfg = LinkConfig()
    keep = (prob >= cfg.store_probability) | _top_partner_pairs(grown, ids, pairs.a, pairs.b, prob, cfg.keep_top)
    assert (keep & (prob < cfg.store_probability)).any(), "some top partners lie below the threshold"
    before = grown.con.execute("SELECT count(*) FROM links").fetchall()[0][0]
    report = link(grown)
    assert report.incremental and report.linked_cases == NEW and report.candidate_pairs > 0
    expected = {tuple(sorted((str(ids[a]), str(ids[b])))): p
                for a, b, p in zip(pairs.a[keep], pairs.b[keep], prob[keep], strict=True)}
    # old cases' links stay (a displaced top partner too: links only grow in an incremental run)
    assert grown.con.execute("SELECT count(*) FROM links").fetchall()[0][0] == before + len(expected)
    stored = {(a, b): p for a, b, p in grown.con.execute(
        "SELECT case_a, case_b, probability FROM links WHERE list_contains(?, case_a) OR list_contains(?, case_b)",
        [grown.new_ids, grown.new_ids]).fetchall()}  # type: ignore[attr-defined]
    assert stored.keys() == expected.keys()
    for key, p in stored.items():
        assert p == pytest.approx(expected[key], rel=1e-5, abs=1e-7), key


def test_store_context_radii_equal_the_full_computation() -> None:
    rng = np.random.default_rng(1)
    mid = np.round(rng.uniform(0, 400, 3000), 1)  # rounded: ties on the time line too
    order = np.sort(mid)
    np.testing.assert_allclose(ctx_mod.time_radius_at(order, mid[:200]), ctx_mod.time_radius(mid)[:200])
    px, py = rng.uniform(0, 5e4, 3000), rng.uniform(0, 5e4, 3000)
    group = np.where(rng.random(3000) < 0.1, -1, np.where(rng.random(3000) < 0.5, 0, 1)).astype(np.int8)
    import pandas as pd

    frame = pd.DataFrame({"case_id": [f"c{i}" for i in range(3000)], "t_from": pd.Timestamp("2015-01-01"),
                          "x": np.where(group == 1, px, np.nan), "y": np.where(group == 1, py, np.nan),
                          "lat": np.where(group == 0, 51 + py / 1.1e5, np.nan),
                          "lon": np.where(group == 0, px / 7e4, np.nan)})
    full = CaseTable.from_frame(frame)
    few = CaseTable.from_frame(frame.iloc[:150], context=store_context(frame, fit_text=False))
    np.testing.assert_allclose(few.space_knn, full.space_knn[:150], rtol=1e-6)
    np.testing.assert_allclose(few.space_r, full.space_r[:150], rtol=1e-6)
    located = group >= 0
    planar = np.where(group == 1, 1, -1).astype(np.int8)
    ref = ctx_mod.space_radius(np.where(group == 1, px, np.nan), np.where(group == 1, py, np.nan), planar)
    np.testing.assert_allclose(full.space_r[located & (group == 1)], ref[located & (group == 1)], rtol=1e-5)
    assert few.located == full.located == int(located.sum()) and few.store_cases == 3000


def test_text_model_is_kept_as_plain_arrays_and_erasure_drops_it(grown: Store, tmp_path: Path) -> None:
    path = text_model_path(grown.path)
    assert path is not None and path.exists()
    with np.load(path, allow_pickle=False) as arrays:  # no pickled objects inside
        assert set(arrays.files) == {"version", "terms", "idf", "components", "stop_words"}
    model = load_text_model(grown)
    assert model is not None
    again = ctx_mod.TextModel.from_arrays(model.to_arrays())
    texts = ["victim found near the canal after a party", "", None]
    np.testing.assert_array_equal(again.vectors(texts)[0], model.vectors(texts)[0])
    docs = [r[0] for r in grown.con.execute("SELECT narrative FROM cases WHERE narrative <> '' LIMIT 50").fetchall()]
    from sklearn.feature_extraction.text import TfidfVectorizer

    reference = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2),
                                vocabulary={t: i for i, t in enumerate(model.terms)})
    reference.fit(docs)
    reference.idf_ = model.idf
    ref = np.asarray(reference.transform(docs) @ model.components.T)
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    np.testing.assert_allclose(model.vectors(docs)[0], ref, atol=1e-4)  # the same as scikit-learn's TF-IDF
    bad = {**model.to_arrays(), "version": np.array([99])}
    with pytest.raises(ctx_mod.ContextError, match="version 99"):
        ctx_mod.TextModel.from_arrays(bad)
    victim = grown.new_ids[0]  # type: ignore[attr-defined]
    grown.erase([victim], reason="test: erasure drops the narrative model")
    assert not path.exists()


def test_store_counts_give_the_rarities_a_table_of_its_own_rows_computes(grown: Store) -> None:
    from caselink.compare import sets, victim
    from caselink.compare.entities import RARITY_FLOOR
    from caselink.compare.table import CATEGORICALS, SET_FIELDS, entity_tokens

    frame, entities, context, _, _ = _world(grown)
    table = build_table(frame, entities, context)
    for name in SET_FIELDS:
        own = sets.encode([None if v is None or v is np.nan else v for v in frame[name].tolist()])
        got = getattr(table, name)
        assert got.vocab == own.vocab, name
        np.testing.assert_allclose(got.info, own.info, rtol=1e-6, err_msg=name)
    for name in CATEGORICALS:
        cat = victim.encode_categorical(frame[name].tolist())
        assert getattr(table, name).vocab == cat.vocab, name
        np.testing.assert_allclose(getattr(table, name).info, cat.info, rtol=1e-9, err_msg=name)
    assert table.entities is not None and len(entities)
    own_entities = sets.encode(entity_tokens(entities, list(table.case_ids)))
    assert table.entities.vocab == own_entities.vocab
    # entity rarity counts the store as at least RARITY_FLOOR cases: the same shift of every value
    known = int(table.entities.known.sum())
    shift = np.log2((RARITY_FLOOR + 1.0) / (known + 1.0))
    np.testing.assert_allclose(table.entities.info[:-1], own_entities.info[:-1] + shift, rtol=1e-5)


def test_incremental_link_without_a_kept_text_model_fits_one_from_the_stored_narratives(
        grown: Store, tmp_path: Path) -> None:
    path = text_model_path(grown.path)
    assert path is not None
    path.unlink(missing_ok=True)
    record = orjson.loads(grown.con.execute("SELECT record FROM cases ORDER BY case_id LIMIT 1").fetchall()[0][0])
    original, record["case_id"] = str(record["case_id"]), "LATE-1"
    (tmp_path / "late.jsonl").write_bytes(orjson.dumps(record) + b"\n")
    grown.ingest([tmp_path / "late.jsonl"], run_hooks=False, show_progress=False)
    report = link(grown)
    assert report.linked_cases == 1 and report.stored_links > 0
    model = load_text_model(grown)
    assert model is not None and len(model.terms) > 100  # fitted on every stored narrative, not on none
    twin = grown.con.execute("SELECT probability FROM links WHERE (case_a = 'LATE-1' AND case_b = ?) "
                             "OR (case_b = 'LATE-1' AND case_a = ?)", [original, original]).fetchall()
    assert twin, "a copy of a stored case links to it"
