"""The human summary of an end-to-end evaluation (``--json`` prints the whole result)."""

from __future__ import annotations

from typing import Any


def _f(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None or v != v else f"{v:.{digits}f}"


def human_lines(d: dict[str, Any]) -> list[str]:
    """A few readable lines per stage of ``evaluate_end_to_end``'s result."""
    data, blk, cal, sim, ser = d["data"], d["blocking"], d["calibration"], d["similar"], d["series"]
    judged = ("every case (complete truth)" if data["truth_complete"]
              else f"the {data['judged_cases']} labelled cases only (partial truth)")
    lines = [
        f"end-to-end, no labels: {data['cases']} cases ({data['labels_stripped']} series_ids removed before linkage), "
        f"model {d['model']['name']} {d['model']['version']}"
        + (f" (adaptation: {d['model']['adaptation']})" if d["model"].get("adapt") else ""),
        f"  truth: {data['truth']}; judged over {judged}; {data['serial_cases']} serial cases of "
        f"{data['serial_offenders']} offenders, {data['true_pairs']} true linked pairs",
        f"blocking: recall {_f(blk['recall'])} ({blk['true_pairs_in_candidates']} of {blk['true_pairs']} true pairs "
        f"compared), {blk['candidate_pairs']} candidate pairs ({blk['pairs_per_case']} per case)",
        f"stored links ({d['links']['stored']} at p >= {d['links']['store_probability']:g}):",
    ]
    for t, v in d["links"]["at"].items():
        lines.append(f"  p >= {t:<4} {v['links']:>8} links  precision {_f(v['precision'])}  recall {_f(v['recall'])}")
    lines.append(f"calibration over {cal['pairs']} candidate pairs: mean p {_f(cal['mean_probability'], 4)} vs "
                 f"true rate {_f(cal['link_rate'], 4)} (ratio {_f(cal['mean_over_rate'], 2)}), ECE {_f(cal['ece'], 4)}, "
                 f"largest gap in a bin of 20+ pairs {_f(cal['max_bin_gap'])}")
    for b in cal["bins"]:
        lines.append(f"  p {b['from']:.1f}-{b['to']:.1f}: {b['pairs']:>9} pairs  stated {b['mean_probability']:.3f}  "
                     f"observed {b['linked_share']:.3f}")
    which = (f"a seeded sample of {sim['queries']} of {sim['serial_cases']}" if sim["sampled"]
             else f"all {sim['queries']}")
    at = "  ".join(f"partner@{k} {_f(v)}" for k, v in sim["partner_at"].items())
    lines.append(f"similar for {which} serial cases: {at}; listed nothing for {_f(sim['listed_nothing'])}")
    for p in sim["passes"]:
        lines.append(f"  top {p['limit']} asked of {p['queries']} cases: {_f(p['seconds_median'] * 1000, 0)} ms median, "
                     f"{_f(p['seconds_p95'] * 1000, 0)} ms p95")
    ranked = "  ".join(f"@{k} {_f(v)}" for k, v in sim["ranking_partner_at"].items())
    lines.append(f"  the same cases' candidates ranked by probability, no threshold: partner{ranked}")
    lines.append(f"series (min probability {ser['min_probability']:g}): {ser['predicted_series']} series of 2+; "
                 f"{_f(ser['coverage'])} of serial cases in a series whose majority is their offender; "
                 f"purity {_f(ser['purity'])}; B-cubed P {_f(ser['precision'])} R {_f(ser['recall'])} "
                 f"F1 {_f(ser['f1'])} (all alone: F1 {_f(ser['alone_f1'])})")
    s = d["seconds"]
    lines.append("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in s.items()))
    return lines


__all__ = ["human_lines"]
