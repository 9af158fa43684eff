"""Run what a user runs with no labels, in a scratch store, and judge it against the truth.

``evaluate_end_to_end(store, truth)``:

1. copies the store's current records into a scratch store beside it **without series_ids**
   (the copy is checked to hold none, so no label can reach linkage) and resolves their entity
   mentions as ``caselink ingest`` does;
2. ``link --full`` with the model ``link`` would use (with ``adapt``, the store's adapted model
   fitted first, from the label-free copy), watching every candidate pair it scores
   (``link(observe=)``): blocking recall and calibration come from the very pairs and
   probabilities of that run;
3. the stored links: precision and recall at each probability cut;
4. ``similar`` (the function the CLI calls) for each serial case, or a seeded sample of them:
   partner@k (k above the run's ``keep_top`` for a smaller seeded sample: those answers are
   scored on the fly); and partner@k of the candidate ranking of the same cases;
5. ``series`` (the function the CLI calls): ``caselink.linkage.series_quality``.

The scratch store is deleted afterwards unless ``keep`` names where to leave it. Reads of the
source store are audited there (a consultation); everything else is audited in the scratch store.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import orjson

from caselink import progress
from caselink.endtoend import figures
from caselink.endtoend.truth import Truth, TruthIndex, index_truth
from caselink.errors import CaselinkError, ConfigError
from caselink.store.store import require_purpose

if TYPE_CHECKING:
    from caselink.linkage.link import LinkConfig, LinkReport
    from caselink.store.store import Store

FORMAT = "caselink-end-to-end"
VERSION = 1
COMMAND = "evaluate --end-to-end"


class LabelLeak(CaselinkError):
    """A label (series_ids) reached the store linkage runs on."""


@dataclass(frozen=True)
class EndToEndConfig:
    """What to run and report; ``similar_sample`` = 0 queries every serial case."""

    link: LinkConfig | None = None
    model: Any = None  # a LinkModel or a model JSON path; None: what ``caselink link`` uses
    thresholds: tuple[float, ...] = (0.2, 0.5, 0.8)
    ks: tuple[int, ...] = (1, 5, 10)
    min_probability: float = 0.5  # series
    similar_sample: int = 2000
    similar_deep_sample: int = 50  # for k above the link run's keep_top (similar scores those on the fly)
    adapt: bool = False  # fit the scratch store's adapted model (no labels) in its link run, as link --full does
    seed: int = 0

    def __post_init__(self) -> None:
        if self.similar_sample < 0:
            raise ConfigError(f"--similar-sample must be 0 (every serial case) or more, got {self.similar_sample}")
        if self.similar_deep_sample < 0:
            raise ConfigError(f"--similar-deep-sample must be 0 (every sampled case) or more, got {self.similar_deep_sample}")
        if not self.ks or min(self.ks) < 1:
            raise ConfigError(f"partner@k needs k of at least 1, got {list(self.ks)}")
        if not 0.0 < self.min_probability < 1.0:
            raise ConfigError(f"--min-probability must be between 0 and 1 (exclusive), got {self.min_probability}")


@dataclass
class _Observed:
    """Every candidate pair the link run scored, as truth positions, with its probability."""

    index: TruthIndex
    a: list[npt.NDArray[np.intp]] = field(default_factory=list)
    b: list[npt.NDArray[np.intp]] = field(default_factory=list)
    p: list[npt.NDArray[np.float64]] = field(default_factory=list)

    def __call__(self, ids_a: np.ndarray, ids_b: np.ndarray, prob: np.ndarray) -> None:
        self.a.append(self.index.positions(ids_a))
        self.b.append(self.index.positions(ids_b))
        self.p.append(np.asarray(prob, dtype=np.float64))

    def arrays(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        if not self.a:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        return self.index.keys(np.concatenate(self.a), np.concatenate(self.b)), np.concatenate(self.p)


def copy_without_labels(source: Store, scratch: Store, folder: Path, *, purpose: str,
                        show_progress: bool | None) -> dict[str, int]:
    """Ingest ``source``'s current records into ``scratch`` with ``series_ids`` removed, then
    resolve their entity mentions as the ingest hook does. Raises ``LabelLeak`` if any label
    is left in the scratch store."""
    path = folder / "cases.jsonl"
    stripped = records = 0
    with path.open("wb") as out:
        for rec in source.iter_records(purpose=purpose, command=COMMAND, action="consultation"):
            records += 1
            stripped += bool(rec.pop("series_ids", None))
            out.write(orjson.dumps(rec) + b"\n")
    report = scratch.ingest([path], run_hooks=False, show_progress=show_progress, command=COMMAND)
    path.unlink()
    leaked = scratch.con.execute("SELECT count(*) FROM cases WHERE len(series_ids) > 0").fetchall()[0][0]
    if leaked:
        raise LabelLeak(f"{leaked} case(s) kept series_ids in the scratch store: the evaluation would not be label-free")
    from caselink.entities.stored import resolve_cases

    resolve_cases(scratch, sorted(report.new_ids), command=COMMAND)
    return {"cases": records, "labels_stripped": stripped}


def _ask_similar(scratch: Store, index: TruthIndex, cases: npt.NDArray[np.intp], limit: int, cfg: EndToEndConfig,
                 purpose: str, show_progress: bool | None) -> tuple[list[list[str]], list[set[str]], dict[str, Any]]:
    """What ``similar`` lists (top ``limit``) for each of ``cases``, their true partners, and the
    pass's size and latency."""
    from caselink.linkage.similar import similar

    listed: list[list[str]] = []
    wanted: list[set[str]] = []
    seconds: list[float] = []
    with progress.bar(f"similar (top {limit}) for serial cases", total=len(cases), show=show_progress) as bar:
        for i in cases.tolist():
            t0 = time.perf_counter()
            rows = similar(scratch, index.case_ids[i], limit=limit, purpose=purpose, command=COMMAND,
                           model=cfg.model, config=cfg.link)
            seconds.append(time.perf_counter() - t0)
            listed.append([r["case_id"] for r in rows])
            wanted.append({index.case_ids[j] for j in index.partners[i]})
            bar.advance()
    lat = np.asarray(seconds) if seconds else np.zeros(1)
    return listed, wanted, {"limit": limit, "queries": len(cases), "seconds_median": round(float(np.median(lat)), 4),
                            "seconds_p95": round(float(np.percentile(lat, 95)), 4)}


def _sample(cases: npt.NDArray[np.intp], size: int, seed: int) -> npt.NDArray[np.intp]:
    if 0 < size < len(cases):
        return np.sort(np.random.default_rng(seed).choice(cases, size, replace=False))
    return cases


def _query_similar(scratch: Store, index: TruthIndex, cfg: EndToEndConfig, link_cfg: LinkConfig, purpose: str,
                   show_progress: bool | None, cand: npt.NDArray[np.int64], prob: np.ndarray) -> dict[str, Any]:
    """partner@k of ``similar`` for the serial cases (or a seeded sample), with its latency, and
    of the same cases' candidate ranking (every scored pair, no threshold). k up to the link
    run's ``keep_top`` is answered from the stored links; a larger k needs ``similar`` to score
    on the fly, so it is asked of a smaller seeded sample (``similar_deep_sample``)."""
    serial = np.asarray(sorted(index.partners), dtype=np.intp)
    chosen = _sample(serial, cfg.similar_sample, cfg.seed)
    keep_top = int(getattr(link_cfg, "keep_top", 0))
    quick = min(max(cfg.ks), keep_top) if keep_top else max(cfg.ks)
    listed, wanted, first = _ask_similar(scratch, index, chosen, quick, cfg, purpose, show_progress)
    out = figures.partner_at_k(listed, wanted, [k for k in cfg.ks if k <= quick])
    passes = [first]
    queries_at = {str(k): len(chosen) for k in cfg.ks if k <= quick}
    deep_ks = [k for k in cfg.ks if k > quick]
    if deep_ks:
        deep = _sample(chosen, cfg.similar_deep_sample, cfg.seed + 1)
        listed2, wanted2, second = _ask_similar(scratch, index, deep, max(cfg.ks), cfg, purpose, show_progress)
        out["partner_at"].update(figures.partner_at_k(listed2, wanted2, deep_ks)["partner_at"])
        passes.append(second)
        queries_at.update({str(k): len(deep) for k in deep_ks})
    out["partner_at"] = {str(k): out["partner_at"][str(k)] for k in cfg.ks}
    out["ranking_partner_at"] = figures.ranking_partner_at_k(cand, prob, index.linked(cand), index.n, chosen, cfg.ks)
    out.update({"queries_at": queries_at, "serial_cases": len(index.partners), "sampled": len(chosen) < len(serial),
                "seed": cfg.seed if len(chosen) < len(serial) else None, "limit": quick, "passes": passes,
                "seconds_median": first["seconds_median"], "seconds_p95": first["seconds_p95"]})
    return out


def _series(scratch: Store, index: TruthIndex, truth: Truth, cfg: EndToEndConfig, purpose: str) -> dict[str, Any]:
    """``series`` against the truth, over the judged cases (predicted series cut to them)."""
    from caselink.linkage.series import series
    from caselink.linkage.series_quality import series_quality

    found = series(scratch, min_probability=cfg.min_probability, purpose=purpose, command=COMMAND)
    judged = {index.case_ids[i] for i in np.flatnonzero(index.judged)}
    groups = [[c for c in s["case_ids"] if c in judged] for s in found]
    quality = series_quality(groups, dict(truth.offenders), cases=judged)
    figures_ = {k: (None if isinstance(v, float) and v != v else v) for k, v in quality.as_dict().items()}
    return {"min_probability": cfg.min_probability, "series_listed": len(found), **figures_}  # nan: none to judge


def _stored_links(scratch: Store, index: TruthIndex, purpose: str) -> tuple[npt.NDArray[np.int64], np.ndarray]:
    from caselink.audit import ALL_CASES

    links = scratch.con.execute("SELECT case_a, case_b, probability FROM links").df()
    scratch.audit("consultation", COMMAND, [], purpose, {"scope": ALL_CASES, "read": "links", "rows": len(links)})
    keys = index.keys(index.positions(links["case_a"].to_numpy()), index.positions(links["case_b"].to_numpy()))
    return keys, links["probability"].to_numpy(dtype=np.float64)


def _check_observed(report: LinkReport, cand: npt.NDArray[np.int64], prob: np.ndarray, stored: int,
                    store_probability: float) -> None:
    """The pairs watched must be the run's candidate pairs, and every one above the kept-link
    threshold a stored link (``link`` may store more, e.g. each case's top partners)."""
    kept = int((prob >= store_probability).sum())
    if len(cand) != report.candidate_pairs or len(np.unique(cand)) != len(cand) or kept > stored:
        raise CaselinkError(f"the link run scored {report.candidate_pairs} candidate pairs and stored {stored} links, "
                            f"but {len(cand)} scored pairs ({kept} kept) were seen: the evaluation cannot judge it")


def _judge_links(index: TruthIndex, cand: npt.NDArray[np.int64], prob: np.ndarray, stored: npt.NDArray[np.int64],
                 stored_p: np.ndarray, cfg: EndToEndConfig) -> dict[str, Any]:
    n = index.n
    true_pairs = len(index.true_keys)
    judged = index.both_judged(cand // n, cand % n)
    linked = index.linked(cand)
    s_judged = index.both_judged(stored // n, stored % n)
    return {
        "blocking": figures.blocking(cand, linked, judged, true_pairs, n),
        "links": {"stored": int(len(stored)), "at": figures.links_at(stored_p, index.linked(stored), s_judged,
                                                                      true_pairs, cfg.thresholds)},
        "calibration": figures.calibration(prob[judged], linked[judged]),
    }


def evaluate_end_to_end(store: Store, truth: Truth, config: EndToEndConfig | None = None, *,
                        purpose: str | None, keep: Path | None = None,
                        show_progress: bool | None = None) -> dict[str, Any]:
    """The end-to-end figures of ``store``'s cases against ``truth``; see the module docstring."""
    from caselink.linkage.link import LinkConfig, link
    from caselink.store import Store as StoreClass

    cfg = config or EndToEndConfig()
    purpose = require_purpose(purpose, "the end-to-end evaluation")
    link_cfg = cfg.link or LinkConfig()
    index = index_truth(truth, [r[0] for r in store.con.execute("SELECT case_id FROM cases").fetchall()])
    folder = Path(tempfile.mkdtemp(prefix=f".{Path(store.path).name}.end-to-end-", dir=Path(store.path).parent))
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        with StoreClass.open(folder / "scratch.duckdb", user=store.user) as scratch:
            copied = copy_without_labels(store, scratch, folder, purpose=purpose, show_progress=show_progress)
            seconds["ingest"] = time.perf_counter() - t0
            observed = _Observed(index)
            report: LinkReport = link(scratch, full=True, model=cfg.model, config=link_cfg, purpose=purpose,
                                      command=COMMAND, show_progress=show_progress, observe=observed,
                                      refit=cfg.adapt and cfg.model is None)
            seconds["link"] = time.perf_counter() - t0 - sum(seconds.values())
            cand, prob = observed.arrays()
            stored, stored_p = _stored_links(scratch, index, purpose)
            _check_observed(report, cand, prob, len(stored), link_cfg.store_probability)
            judged = _judge_links(index, cand, prob, stored, stored_p, cfg)
            judged["blocking"]["by_block"] = report.by_block
            judged["links"]["store_probability"] = link_cfg.store_probability
            similar_figures = _query_similar(scratch, index, cfg, link_cfg, purpose, show_progress, cand, prob)
            seconds["similar"] = time.perf_counter() - t0 - sum(seconds.values())
            series_figures = _series(scratch, index, truth, cfg, purpose)
            seconds["series"] = time.perf_counter() - t0 - sum(seconds.values())
        if keep is not None:
            shutil.move(str(folder / "scratch.duckdb"), str(keep))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    seconds["total"] = time.perf_counter() - t0
    return {
        "format": FORMAT, "version": VERSION,
        "data": {"store": str(store.path), **copied, "truth": truth.source, "truth_complete": truth.complete,
                 "judged_cases": int(index.judged.sum()), "serial_cases": len(index.partners),
                 "serial_offenders": index.offenders_serial, "true_pairs": int(len(index.true_keys)),
                 "truth_cases_not_in_store": index.truth_cases_missing},
        "model": {"name": report.model_name, "version": report.model_version, "adapt": cfg.adapt,
                  "adaptation": getattr(report, "adaptation", None)},
        **judged, "similar": similar_figures, "series": series_figures,
        "kept_store": str(keep) if keep is not None else None,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


def thresholds_from(values: Sequence[float]) -> tuple[float, ...]:
    """Probability cuts, checked to lie in [0, 1]."""
    for v in values:
        if not 0.0 <= v <= 1.0:
            raise ConfigError(f"a probability cut must be between 0 and 1, got {v}")
    return tuple(sorted(set(values)))


__all__ = ["EndToEndConfig", "LabelLeak", "copy_without_labels", "evaluate_end_to_end", "thresholds_from"]
