"""The compiled kernels agree with the numpy formulas they replace, unknowns and edges included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.compare import kernels
from caselink.errors import ModelError
from caselink.model.additive import Term, _pack_terms


def _space_reference(d: np.ndarray, knn: np.ndarray, rows: np.ndarray, cap: float, min_radius: float) -> np.ndarray:
    near = knn[rows]
    out = (near < d[:, None]).sum(axis=1).astype(np.float64)
    last = near[:, -1].astype(np.float64)
    beyond = np.isfinite(last) & (d > last)
    out[beyond] = near.shape[1] * (d[beyond] / np.maximum(last[beyond], min_radius)) ** 2
    out = np.minimum(out, max(cap, 0.0))
    out[~np.isfinite(d)] = np.nan
    return out


@settings(max_examples=60)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 12), cap=st.floats(0, 500))
def test_space_count_matches_numpy(seed: int, k: int, cap: float) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    knn = np.sort(rng.exponential(500.0, (n, k)), axis=1).astype(np.float32)
    knn[rng.random(n) < 0.2, -1] = np.inf  # too few neighbours: padded with inf
    knn[:, :][rng.random((n, k)) < 0.05] = np.float32(100.0)  # ties
    knn = np.sort(knn, axis=1)
    rows = rng.integers(0, n, 200)
    d = rng.exponential(800.0, 200)
    d[rng.random(200) < 0.1] = np.nan
    d[:5] = knn[rows[:5], 0]  # exactly at a neighbour's distance
    got = kernels.space_count(d, knn, rows, cap, 25.0)
    np.testing.assert_allclose(got, _space_reference(d, knn, rows, cap, 25.0), rtol=1e-12, equal_nan=True)


def test_row_dot_matches_einsum_in_float32_and_float64() -> None:
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        x, y = rng.normal(size=(30, 7)).astype(dtype), rng.normal(size=(30, 7)).astype(dtype)
        x[4, 2] = np.nan
        a, b = rng.integers(0, 30, 500), rng.integers(0, 30, 500)
        want = np.einsum("ij,ij->i", x[a].astype(np.float64), y[b].astype(np.float64))
        np.testing.assert_allclose(kernels.row_dot(x, y, a, b), want, rtol=1e-12, equal_nan=True)


@settings(max_examples=60)
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["step", "curve"]),
       scale=st.sampled_from(["linear", "log"]), knots=st.integers(1, 7))
def test_compiled_terms_match_the_numpy_terms(seed: int, kind: str, scale: str, knots: int) -> None:
    rng = np.random.default_rng(seed)
    edges = np.unique(np.round(rng.normal(1.0, 2.0, knots), 2)).tolist()
    weights = rng.normal(size=len(edges) + (1 if kind == "step" else 0)).tolist()
    term = Term("f", scale, kind, edges, weights, float(rng.normal()))
    x = np.concatenate([rng.normal(1.0, 3.0, 300), np.array(edges), [np.nan, -1.0, 0.0, np.inf]])
    values = x.astype(np.float32)[:, None]
    packed = _pack_terms([term])
    got = kernels.additive_log_odds(values, np.array([0]), *packed, 0.5, 2.0)
    np.testing.assert_allclose(got, 0.5 + 2.0 * term(values[:, 0]), rtol=1e-9, atol=1e-9)
    # a feature the pairs do not have reads as unknown
    none = kernels.additive_log_odds(values, np.array([-1]), *packed, 0.0, 1.0)
    assert np.all(none == term.missing)


def test_malformed_terms_are_refused_before_the_compiled_loop() -> None:
    with pytest.raises(ModelError, match="needs 3 weights"):
        _pack_terms([Term("f", "linear", "step", [0.0, 1.0], [1.0, 2.0], 0.0)])
    with pytest.raises(ModelError, match="unknown term kind"):
        _pack_terms([Term("f", "linear", "spline", [0.0], [1.0], 0.0)])


def _overlap_bits_reference(col: object, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """The numpy formulation the compiled bitset overlap replaced."""
    both = col.bits[a] & col.bits[b]  # type: ignore[attr-defined]
    shared = np.zeros(len(a), dtype=np.int64)
    info = np.zeros(len(a))
    keys = np.zeros(len(a), dtype=np.uint64)
    for w in range(both.shape[1]):
        word = both[:, w]
        shared += np.bitwise_count(word)
        for byte in range(8):
            idx = ((word >> np.uint64(8 * byte)) & np.uint64(255)).astype(np.intp)
            info += col.info_lut[w * 8 + byte][idx]  # type: ignore[attr-defined]
            keys |= col.key_lut[w * 8 + byte][idx]  # type: ignore[attr-defined]
    conflicts = np.bitwise_count(col.keybits[a] & col.keybits[b] & ~keys).astype(np.float64)  # type: ignore[attr-defined]
    union = col.count[a] + col.count[b] - shared  # type: ignore[attr-defined]
    unknown = (col.count[a] == 0) | (col.count[b] == 0)  # type: ignore[attr-defined]
    return _unknown_as_nan([info, shared / np.maximum(union, 1), conflicts, shared.astype(np.float64)], unknown)


def _unknown_as_nan(rows: list[np.ndarray], unknown: np.ndarray) -> list[np.ndarray]:
    """(info, jaccard, conflicts, shared) with NaN for pairs where either case has no value."""
    for arr in rows:
        arr[unknown] = np.nan
    return rows


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1), vocab=st.integers(1, 200))
def test_bitset_overlap_matches_numpy(seed: int, vocab: int) -> None:
    from caselink.compare import sets

    rng = np.random.default_rng(seed)
    keys = [f"mo{k}:" for k in range(5)] + [""]
    values = [[f"{keys[int(rng.integers(0, len(keys)))]}v{int(v)}" for v in rng.integers(0, vocab, rng.integers(0, 6))]
              for _ in range(60)]
    col = sets.encode(values)
    assert col.bits is not None  # small vocabulary: the bitset path
    a, b = rng.integers(0, 60, 400), rng.integers(0, 60, 400)
    got = sets.overlap(col, a, b)
    for name, want in zip(("info", "jaccard", "conflicts", "shared"), _overlap_bits_reference(col, a, b), strict=True):
        np.testing.assert_allclose(getattr(got, name), want, rtol=1e-12, equal_nan=True, err_msg=name)


def _overlap_lists_reference(col: object, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """The numpy formulation (3-D comparisons) the compiled list overlap replaced."""
    ia, ib = col.ids[a], col.ids[b]  # type: ignore[attr-defined]
    match = (ia[:, :, None] == ib[:, None, :]) & (ia[:, :, None] >= 0)
    in_b = match.any(axis=2)
    info = (col.info[ia] * in_b).sum(axis=1, dtype=np.float32).astype(np.float64)  # type: ignore[attr-defined]
    shared = in_b.sum(axis=1)
    union = (ia >= 0).sum(axis=1) + (ib >= 0).sum(axis=1) - shared
    ka, kb = col.key[ia], col.key[ib]  # type: ignore[attr-defined]
    same_key = (ka[:, :, None] == ka[:, None, :]) & (ka[:, :, None] >= 0)
    earlier = np.tril(np.ones((ka.shape[1], ka.shape[1]), dtype=bool), k=-1)
    first = ~(same_key & earlier[None, :, :]).any(axis=2) & (ka >= 0)
    key_in_b = ((ka[:, :, None] == kb[:, None, :]) & (ka[:, :, None] >= 0)).any(axis=2)
    key_shared = (same_key & in_b[:, None, :]).any(axis=2)
    conflicts = (first & key_in_b & ~key_shared).sum(axis=1).astype(np.float64)
    unknown = (ia[:, 0] < 0) | (ib[:, 0] < 0)
    return _unknown_as_nan([info, shared / np.maximum(union, 1), conflicts, shared.astype(np.float64)], unknown)


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1), vocab=st.integers(257, 600))
def test_list_overlap_matches_numpy(seed: int, vocab: int) -> None:
    """Large vocabularies (entities, rare facts) take the list path; keys give conflicts."""
    from caselink.compare import sets

    rng = np.random.default_rng(seed)
    keys = [f"mo{k}:" for k in range(4)] + ["", ""]
    values = [[f"{keys[int(rng.integers(0, len(keys)))]}v{int(v)}" for v in rng.integers(0, vocab, rng.integers(0, 20))]
              for _ in range(80)]
    values += [[f"v{i}" for i in range(vocab)]]  # every value seen, so the vocabulary is large
    col = sets.encode(values)
    assert col.bits is None  # large vocabulary: not the bitset path
    a, b = rng.integers(0, 81, 500), rng.integers(0, 81, 500)
    got = sets._overlap_lists(col, a, b)
    for name, want in zip(("info", "jaccard", "conflicts", "shared"), _overlap_lists_reference(col, a, b), strict=True):
        np.testing.assert_allclose(getattr(got, name), want, rtol=1e-6, equal_nan=True, err_msg=name)
