"""Ideas tried for the crimelinkage accuracy targets that did not reach them, kept re-runnable.

Each idea is judged by ``caselink evaluate``'s own protocol (``evaluate(..., fitter=)``: 5 folds
x 4 repeats, group-disjoint, seed 0) next to the shipped learned model, so the next person can
see what each one bought and try their own the same way. The extra pair features are computed
here from the crimelinkage table only (dense case x case matrices: fine for 490 cases, not a
design for a large store):

- ``joint_nearer``: log10 share of cases nearer than the pair in space *and* in time, from the
  side with fewer (the space-time version of ``space_nearer``/``time_nearer``; near-repeats);
- ``both_exact``: 1 when both times are exact to the minute;
- ``mo_match``: one 0/1 match per MO field (mo1, mo2, mo3) beside the pooled circumstance features;
- ``bagged``: the learned model averaged over 10 fits on fresh unlinked samples.

    .venv/bin/python bench/crimelinkage_ideas.py      # ~2 min; writes bench/results/crimelinkage_ideas.json
    .venv/bin/python bench/crimelinkage_ideas.py --repeats 1      # quicker

Session 4 (2026-11-29) measured: learned 0.9254 AUC / 0.827 hit@10; +joint_nearer 0.9278 / 0.826;
+both_exact 0.9269 / 0.827; both 0.9291 / 0.826; +mo_match 0.9249 / 0.827; bagged 0.9254 / 0.827.
None reaches AUC 0.93 or hit@10 0.88, and the two that come closest were picked on this same
evaluation, so they are not shipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from crimelinkage_baseline import _mo_codes, arguments, headline, load_table, show, write_report

FloatArray = npt.NDArray[np.float64]
PairFeature = Callable[[npt.NDArray[np.intp], npt.NDArray[np.intp]], FloatArray]


def pair_features(table: Any) -> dict[str, PairFeature]:
    """Extra pair features for this table, by name."""
    from caselink.compare import geo
    from caselink.compare import time as ctime

    n = len(table)
    a, b = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
    dist = geo.pair_distance_m(table.loc_kind, table.lat_r, table.lon_r, table.x, table.y, a, b).reshape(n, n)
    gap = ctime.expected_abs_gap(table.t_from[a], table.t_to[a], table.t_from[b], table.t_to[b]).reshape(n, n)
    np.fill_diagonal(dist, np.inf)
    np.fill_diagonal(gap, np.inf)
    exact = (table.t_to - table.t_from) < 1.0 / 1440.0
    mo = _mo_codes(table)

    def joint_nearer(p: npt.NDArray[np.intp], q: npt.NDArray[np.intp]) -> FloatArray:
        d, g = dist[p, q][:, None], gap[p, q][:, None]
        cp = ((dist[p] <= d) & (gap[p] <= g)).sum(axis=1) - 1
        cq = ((dist[q] <= d) & (gap[q] <= g)).sum(axis=1) - 1
        return np.asarray(np.log10((1.0 + np.minimum(cp, cq)) / n), dtype=np.float64)

    def mo_match(k: int) -> PairFeature:
        def f(p: npt.NDArray[np.intp], q: npt.NDArray[np.intp]) -> FloatArray:
            x, y = mo[p, k], mo[q, k]
            return np.where((x >= 0) & (y >= 0), (x == y).astype(np.float64), np.nan)
        return f

    return {"joint_nearer": joint_nearer,
            "both_exact": lambda p, q: (exact[p] & exact[q]).astype(np.float64),
            **{f"mo{k + 1}_match": mo_match(k) for k in range(3)}}


class _Extended:
    """A fitted model that scores pairs with the extra features appended."""

    def __init__(self, models: Sequence[Any], extra: dict[str, PairFeature]) -> None:
        self.models, self.extra = models, extra

    def score(self, features: Any) -> Any:
        from caselink.model.additive import Scores

        lo = np.mean([m.score(_append(features, self.extra)).log_odds for m in self.models], axis=0)
        return Scores(1.0 / (1.0 + np.exp(-lo)), lo)


def _append(features: Any, extra: dict[str, PairFeature]) -> Any:
    from caselink.compare import Features

    if not extra:
        return features
    cols = [features.values] + [f(features.a, features.b)[:, None] for f in extra.values()]
    return Features(features.names + list(extra), np.hstack(cols).astype(np.float32), features.table,
                    features.a, features.b)


def fitter(extra: dict[str, PairFeature], bags: int = 1) -> Any:
    from caselink.compare import compare_pairs
    from caselink.model import fit_learned
    from caselink.training import make_pairs

    def fit(table: Any, rows: Any, seed: int) -> _Extended:
        models = []
        for k in range(bags):
            pairs = make_pairs(table, rows, seed=seed if bags == 1 else seed * 100 + k)
            feats = _append(compare_pairs(table, pairs.a, pairs.b), extra)
            models.append(fit_learned(feats.values, feats.names, pairs.linked, pairs.weight))
        return _Extended(models, extra)

    return fit


def main() -> None:
    args = arguments(__doc__.split("\n")[0], "crimelinkage_ideas.json")
    from caselink.evaluate import evaluate

    started = time.perf_counter()
    table = load_table(args.data)
    extra = pair_features(table)
    mo = {k: v for k, v in extra.items() if k.startswith("mo")}
    ideas: dict[str, Any] = {
        "learned (shipped)": fitter({}),
        "+joint_nearer": fitter({"joint_nearer": extra["joint_nearer"]}),
        "+both_exact": fitter({"both_exact": extra["both_exact"]}),
        "+joint_nearer +both_exact": fitter({k: extra[k] for k in ("joint_nearer", "both_exact")}),
        "+mo_match per field": fitter(mo),
        "bagged x10": fitter({}, bags=10),
    }
    protocol = {"folds": args.folds, "repeats": args.repeats, "seed": args.seed}
    rows = {}
    for name, fit in ideas.items():
        rows[name] = headline(evaluate(table, "learned", fitter=fit, **protocol))
        show(f"{name:<28}", rows[name])
    write_report(args.out, {"protocol": {**protocol, "group_disjoint": True}, "ideas": rows}, started)


if __name__ == "__main__":
    main()
