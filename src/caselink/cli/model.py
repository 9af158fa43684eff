"""Commands over linkage models: ``caselink train`` and ``caselink evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from caselink.cli.common import emit, json_option, open_store, purpose_option, store_options

KINDS = ["bayes", "learned"]


def _table(db: Path | None, user: str | None, purpose: str | None, command: str) -> Any:
    """The store's cases as a CaseTable, with entities attached the way ``caselink link`` does."""
    return _load(db, user, purpose, command)[0]


def _load(db: Path | None, user: str | None, purpose: str | None, command: str) -> tuple[Any, Any, Any]:
    """(CaseTable, cases frame, entities frame) from the store; the read is audited."""
    from caselink.compare import CaseTable

    with open_store(db, user, read_only=False) as store:
        frame = store.frame(list(CaseTable.COLUMNS), purpose=purpose, command=command)
        try:
            from caselink.entities.evidence import linkage_frame

            entities = linkage_frame(store.con)
        except ImportError:
            entities = store.con.execute("SELECT case_id, kind, value FROM case_entities").df()
    table = CaseTable.from_frame(frame)
    return (table.with_entities(entities) if len(entities) else table), frame, entities


def _truth(path: Path) -> dict[str, list[str]]:
    """``case_offenders`` of a synthetic truth file (case id -> its true offenders)."""
    import orjson

    from caselink.errors import InputError

    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != "caselink-synth-truth":
        raise InputError(f"{path}: not a caselink synth truth file (format 'caselink-synth-truth')")
    offenders = data.get("case_offenders")
    if not isinstance(offenders, dict):
        raise InputError(f"{path}: case_offenders: expected an object of case id -> offender ids")
    return {str(k): [str(o) for o in v] for k, v in offenders.items()}


@click.command()
@click.option("--model", "kind", type=click.Choice(KINDS), default="learned", show_default=True,
              help="bayes: transparent Bayes factors over bins; learned: logistic on curves + interactions.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the model (versioned JSON). Required unless --unsupervised, whose model "
                   "is kept beside the store (<store>.link-model.json) and used by `caselink link`.")
@click.option("--unsupervised", is_flag=True,
              help="Fit the default model to this store's own candidate pairs by EM, with no labels needed "
                   "(solved series, where present, are held fixed); `caselink link` then uses it.")
@click.option("--sample", type=click.IntRange(min=1000), default=None,
              help="With --unsupervised: candidate pairs sampled for the EM (default 1,000,000).")
@click.option("--no-labels", is_flag=True, help="With --unsupervised: ignore solved series entirely.")
@click.option("--name", default=None, help="Model name stored with every link it scores.")
@click.option("--version", "model_version", default="1", show_default=True, help="Model version label.")
@click.option("--seed", default=0, show_default=True, help="Seed for sampling unlinked pairs.")
@click.option("--source", default=None, help="What the training data were (kept in the model's trained_on).")
@click.option("--calibrate/--no-calibrate", default=True, show_default=True,
              help="Calibrate probabilities to the store's candidate pairs (what `caselink link` scores) "
                   "rather than to the over-sampled training pairs.")
@click.option("--truth", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Calibrate with the full truth (a `caselink synth --truth` file: every case's true "
                   "offenders) instead of the solved pairs only.")
@store_options
@purpose_option
@json_option
def train(kind: str, out: Path | None, unsupervised: bool, sample: int | None, no_labels: bool, name: str | None,
          model_version: str, seed: int, source: str | None, calibrate: bool, truth: Path | None, db: Path | None,
          user: str | None, purpose: str | None, as_json: bool) -> None:
    """Learn a linkage model from the store's solved series (cases with series_ids), or with
    --unsupervised adapt the default model to the store's own cases without labels.

    Linked pairs are cases sharing a series, weighted by series size; unlinked pairs are sampled
    across co-offending groups (as the crimelinkage package does). Reads are audited.
    """
    if unsupervised:
        _train_unsupervised(out, sample, no_labels, seed, db, user, purpose, as_json)
        return
    if out is None:
        from caselink.errors import InputError

        raise InputError("train needs --out FILE for the model (or --unsupervised to adapt the store's own)")
    from caselink.training import calibrate_to_pairs
    from caselink.training import train as fit

    table, frame, entities = _load(db, user, purpose or "training a linkage model", "train")
    model = fit(table, kind, seed=seed, name=name, version=model_version)
    if calibrate:
        from caselink.candidates import candidate_pairs

        pairs = candidate_pairs(frame, entities=entities if len(entities) else None)
        calibrate_to_pairs(model, table, pairs.a, pairs.b, offenders=_truth(truth) if truth else None)
    if source:
        model.trained_on["source"] = source
    model.save(out)
    data = {"model": model.name, "version": model.version, "kind": model.kind, "out": str(out),
            "features": model.features, "trained_on": model.trained_on}

    def human(d: dict[str, Any]) -> None:
        t = d["trained_on"]
        click.echo(f"{d['kind']} model {d['model']} v{d['version']} written to {d['out']}: "
                   f"{t.get('pairs')} pairs ({t.get('linked')} linked) from {t.get('cases')} cases, "
                   f"{len(d['features'])} features")

    emit(data, as_json, human)


def _train_unsupervised(out: Path | None, sample: int | None, no_labels: bool, seed: int, db: Path | None,
                        user: str | None, purpose: str | None, as_json: bool) -> None:
    from caselink.linkage.adapted import adapt_store, model_path

    with open_store(db, user) as store:
        model = adapt_store(store, purpose=purpose or "adapting the linkage model to this store", command="train",
                            sample=sample, use_labels=not no_labels, seed=seed)
        kept = model_path(store.path)
    if out is not None:
        model.save(out)
    data = {"model": model.name, "version": model.version, "kind": model.kind, "out": str(out or kept),
            "kept_beside_store": str(kept) if kept else None, "features": model.features,
            "adaptation": model.adaptation, "trained_on": model.trained_on}

    def human(d: dict[str, Any]) -> None:
        a, t = d["adaptation"], d["trained_on"]
        click.echo(f"adapted model {d['model']} written to {d['out']}: estimated link rate {a['lambda']:.6f} "
                   f"among {t['candidate_pairs']:,} candidate pairs of {t['cases']:,} cases "
                   f"(EM on {t['sampled_candidate_pairs']:,}: {a['em']['iterations']} iterations, "
                   f"{'converged' if a['em']['converged'] else 'NOT converged'}); `caselink link` now uses it")

    emit(data, as_json, human)


@click.command()
@click.option("--model", "kind", type=click.Choice(KINDS), default="learned", show_default=True)
@click.option("--folds", default=5, show_default=True, help="Folds per repeat (whole co-offending groups).")
@click.option("--repeats", default=4, show_default=True, help="Repeats with fresh random folds.")
@click.option("--seed", default=0, show_default=True)
@click.option("--series-linkage", type=click.Choice(["sum", "max", "mean"]), default="sum", show_default=True,
              help="How a case is scored against a series: total odds over its cases, its best pair, "
                   "or the mean odds (crimelinkage's average linkage).")
@click.option("--min-probability", default=0.5, show_default=True, type=click.FloatRange(0.0, 1.0, min_open=True,
              max_open=True), help="Link threshold when clustering the test cases into series (B-cubed; with --end-to-end: `series --min-probability`).")
@click.option("--end-to-end", "end_to_end", is_flag=True,
              help="Instead, run what a user runs with no labels (the store's cases copied without series_ids "
                   "into a scratch store, link, similar, series) and judge it against --truth.")
@click.option("--truth", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="With --end-to-end: a `caselink synth --truth` file (every offender's cases).")
@click.option("--truth-from-series", is_flag=True,
              help="With --end-to-end: judge against the store's own series_ids (labelled cases only); "
                   "they are still removed before linkage.")
@click.option("--model-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="With --end-to-end: model JSON to link with (default: what `caselink link` uses).")
@click.option("--similar-sample", default=2000, show_default=True, type=click.IntRange(min=0),
              help="With --end-to-end: query `similar` for a seeded sample of this many serial cases (0: all).")
@click.option("--similar-deep-sample", default=50, show_default=True, type=click.IntRange(min=0),
              help="With --end-to-end: partner@k for k above the links kept per case (5) is asked of this many of "
                   "them (`similar` scores those answers on the fly; 0: all).")
@click.option("--adapt", is_flag=True,
              help="With --end-to-end: fit the store's adapted model (no labels) before linking, as "
                   "`caselink train --unsupervised` then `link` would.")
@click.option("--keep-store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --end-to-end: keep the label-free scratch store here (default: deleted).")
@store_options
@purpose_option
@json_option
def evaluate(kind: str, folds: int, repeats: int, seed: int, series_linkage: str, min_probability: float,
             end_to_end: bool, truth: Path | None, truth_from_series: bool, model_file: Path | None,
             similar_sample: int, similar_deep_sample: int, adapt: bool, keep_store: Path | None,
             db: Path | None, user: str | None, purpose: str | None, as_json: bool) -> None:
    """Cross-validate a model kind on the store's solved series (group-disjoint splits), or with
    --end-to-end judge the whole unlabelled pipeline against the truth."""
    if end_to_end:
        from caselink.endtoend import EndToEndConfig
        from caselink.errors import InputError

        if adapt and model_file is not None:
            raise InputError("--adapt fits the store's own model; it cannot go with --model-file")
        cfg = EndToEndConfig(model=model_file, min_probability=min_probability, similar_sample=similar_sample,
                             similar_deep_sample=similar_deep_sample, adapt=adapt, seed=seed)
        _end_to_end(cfg, truth, truth_from_series, keep_store, db, user, purpose, as_json)
        return
    if truth or truth_from_series or model_file or keep_store:
        from caselink.errors import InputError

        raise InputError("--truth, --truth-from-series, --model-file and --keep-store go with --end-to-end")
    from caselink.evaluate import evaluate as run

    table = _table(db, user, purpose or "evaluating linkage models", "evaluate")
    result = run(table, kind, folds=folds, repeats=repeats, seed=seed, series_linkage=series_linkage,
                 min_probability=min_probability, show_progress=False if as_json else None)

    def f(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    def human(d: dict[str, Any]) -> None:
        p, s = d["pairwise"], d["series"]
        click.echo(f"{d['model']} model, {d['splits']} group-disjoint splits")
        click.echo(f"  pairwise AUC   {f(p['auc']['mean'])} (sd {f(p['auc']['sd'])})")
        click.echo(f"  pairwise AUPRC {f(p['auprc']['mean'])} (sd {f(p['auprc']['sd'])})")
        for k, v in p["recall_at_k"].items():
            click.echo(f"  recall@{k:<3}    {f(v['mean'])}")
        h = d["series_held_out"]
        click.echo(f"  series hit@1 {f(s['hit_at_1'])}  hit@10 {f(s['hit_at_10'])}  MRR {f(s['mrr'])} "
                   "(against every known series)")
        click.echo(f"  series hit@1 {f(h['hit_at_1'])}  hit@10 {f(h['hit_at_10'])}  MRR {f(h['mrr'])} "
                   "(against the held-out fold's series only)")
        b = s["bcubed"]
        click.echo(f"  series clustering (p >= {b['min_probability']}) B-cubed precision "
                   f"{f(b['precision']['mean'])}  recall {f(b['recall']['mean'])}  F1 {f(b['f1']['mean'])} "
                   f"(every case alone: F1 {f(b['singletons_f1']['mean'])})")

    emit(result, as_json, human)


def _end_to_end(cfg: Any, truth: Path | None, from_series: bool, keep: Path | None, db: Path | None,
                user: str | None, purpose: str | None, as_json: bool) -> None:
    from caselink.endtoend import (
        evaluate_end_to_end,
        human_lines,
        load_truth,
        truth_from_series,
    )
    from caselink.errors import InputError

    if (truth is None) == (not from_series):
        raise InputError("--end-to-end needs the truth: either --truth FILE (from `caselink synth --truth`) "
                         "or --truth-from-series (the store's own series_ids)")
    if keep is not None and keep.exists():
        raise InputError(f"--keep-store {keep}: already exists; give a new path")
    purpose = purpose or "end-to-end evaluation of linkage"
    with open_store(db, user) as store:
        known = (load_truth(truth) if truth is not None
                 else truth_from_series(store, purpose=purpose, command="evaluate --end-to-end"))
        result = evaluate_end_to_end(store, known, cfg, purpose=purpose, keep=keep,
                                     show_progress=False if as_json else None)
    emit(result, as_json, lambda d: click.echo("\n".join(human_lines(d))))


COMMANDS = [train, evaluate]
