"""Resolve entity mentions into entities: who is the same person, which phone is the same phone.

Input is a frame of mentions (``MENTION_COLUMNS``: one row per entity written in a case or an
intel report). Phones, e-mails, vehicles, handles and addresses resolve by their normalised value
(``caselink.entities.normalise``). People resolve probabilistically with splink
(``caselink.entities.model``): pairs are scored on name, date of birth, and the phone and vehicle
recorded with the same role in the same source; they join only when

* the match probability reaches ``ResolveConfig.threshold``, and
* they agree on something besides the name (date of birth, phone or vehicle), so two different
  people who only share a common name are never merged, and
* their surnames agree (or are a spelling variant) unless the phone does: the guard in
  ``caselink.entities.rules``.

With too few mentions to train the model (a new or small store), the deterministic rules of
``caselink.entities.rules`` decide instead.

Joined pairs are grouped into entities by connected components.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from caselink.entities import normalise as N
from caselink.entities.model import IDENTIFIER_WEIGHTS, linker_for, train
from caselink.entities.nicknames import formal_names
from caselink.entities.rules import MIN_TRAINING_PERSONS, rule_pairs, surname_guard

if TYPE_CHECKING:
    import pandas as pd

MENTION_COLUMNS = ("mention_id", "source", "source_id", "kind", "role", "value", "name", "dob")
EXACT_KINDS = ("phone", "vehicle", "email", "handle", "address")


@dataclass(frozen=True)
class ResolveConfig:
    """Settings of a resolution run. ``threshold`` is the match probability a pair of person
    mentions needs; ``region`` reads national phone numbers."""

    threshold: float = 0.5
    region: str = N.DEFAULT_REGION
    require_identifier: bool = True
    seed: int = 1
    #: fewer person mentions than this: the deterministic rules decide, no model is trained
    min_training_persons: int = MIN_TRAINING_PERSONS


@dataclass
class Resolution:
    """Every mention with its entity (``mentions``: MENTION_COLUMNS + norm, first, last, dob_norm,
    phone, vehicle, entity_id, match_weight, match_probability, matched_to), the person pairs that
    were joined (``links``) and the model used."""

    mentions: pd.DataFrame
    links: pd.DataFrame
    model: dict[str, Any] | None
    stats: dict[str, Any] = field(default_factory=dict)


def mention_id(source_id: str, kind: str, role: str, value: str, name: str | None, dob: str | None) -> str:
    """A stable id for a mention: the same entity written the same way in the same source."""
    digest = hashlib.sha1("\x1f".join((kind, role, value, name or "", dob or "")).encode()).hexdigest()[:10]
    return f"{source_id}#{digest}"


@lru_cache(maxsize=200_000)
def _norm(kind: str, value: str, region: str) -> str | None:
    return N.normalise(kind, value, region=region) if kind in N.KINDS else None


@lru_cache(maxsize=200_000)
def _name(value: str) -> N.PersonName | None:
    return N.normalise_name(value)


@lru_cache(maxsize=100_000)
def _dob(value: str) -> str | None:
    return N.normalise_dob(value)


def prepare(mentions: pd.DataFrame, region: str = N.DEFAULT_REGION) -> pd.DataFrame:
    """Add normalised columns; person rows get the phone/vehicle of their role in their source
    when they are the only person of that role there (a record lists entities, not who owns what)."""
    df = mentions.loc[:, list(MENTION_COLUMNS)].copy()
    df["value"] = df["value"].fillna("").astype(str)
    df["norm"] = [_norm(k, v, region) for k, v in zip(df["kind"], df["value"], strict=True)]
    names = [_name(v) if k == "person" else None for k, v in zip(df["kind"], df["value"], strict=True)]
    df["first"] = [n.first or None if n else None for n in names]
    df["last"] = [n.last or None if n else None for n in names]
    df["dob_norm"] = [_dob(d) if isinstance(d, str) else None for d in df["dob"]]
    key = ["source", "source_id", "role"]
    person = df["kind"] == "person"
    solo = df[person].groupby(key).size().rename("n_people").reset_index()
    for kind in ("phone", "vehicle"):
        own = (df[(df["kind"] == kind) & df["norm"].notna()].groupby(key)["norm"].min()
               .rename(kind).reset_index())
        df = df.merge(own, on=key, how="left")
    df = df.merge(solo, on=key, how="left")
    alone = person & (df["n_people"] == 1)
    for kind in ("phone", "vehicle"):
        df[kind] = df[kind].where(alone.to_numpy(), None)
    return df.drop(columns=["n_people"]).reset_index(drop=True)


def person_frame(prepared: pd.DataFrame) -> pd.DataFrame:
    """The columns the splink model reads, for person mentions with a surname."""
    p = prepared[(prepared["kind"] == "person") & prepared["last"].notna()]
    out = p[["mention_id", "source_id", "first", "last", "phone", "vehicle"]].copy()
    out["dob"] = p["dob_norm"]
    return model_columns(out)


def model_columns(out: pd.DataFrame) -> pd.DataFrame:
    """Derived model columns (formal names, swapped DOB, initials) from first, last and dob."""
    out = out.copy()
    # Plain lists, read once: iterating an Arrow-backed column element by element was most of the
    # time of an incremental run (1.9 s for 80k stored people).
    first, last, dob = out["first"].tolist(), out["last"].tolist(), out["dob"].tolist()
    out["formal"] = [list(formal_names(f)) if isinstance(f, str) and len(f) > 1 else None for f in first]
    out["dob_swap"] = [N.swapped_dob(d) if isinstance(d, str) else None for d in dob]
    # Not ``.str``: an empty frame (a case with no named person) has no string dtype to use it on.
    out["first_initial"] = [f[:1] if isinstance(f, str) else None for f in first]
    out["last_initial"] = [n[:1] if isinstance(n, str) else None for n in last]
    tokens = [[t for t in (f, lst) if isinstance(t, str) and t] for f, lst in zip(first, last, strict=True)]
    out["tokens"] = tokens
    out["sorted_name"] = [" ".join(sorted(t)) for t in tokens]
    out["full_name"] = [" ".join(t) for t in tokens]
    out["initials"] = ["".join(sorted((f[:1] if isinstance(f, str) else "", lst[:1]))) for f, lst in
                       zip(first, last, strict=True)]
    return out.reset_index(drop=True)


def score_pairs(persons: pd.DataFrame, model: dict[str, Any], config: ResolveConfig) -> pd.DataFrame:
    """Scored person pairs that pass the threshold, the identifier rule and the surname guard."""
    import pandas as pd

    if len(persons) < 2:
        return pd.DataFrame(columns=["mention_id_l", "mention_id_r", "match_weight", "match_probability"])
    linker = linker_for(persons, model)
    pairs = linker.inference.predict(threshold_match_probability=config.threshold).as_pandas_dataframe()
    return accept(pairs, config, persons)


def accept(pairs: pd.DataFrame, config: ResolveConfig, persons: pd.DataFrame | None = None) -> pd.DataFrame:
    """The model's pairs that join: probability >= threshold, an identifier besides the name agrees
    and, given the ``persons`` scored, the surnames agree or a hard identifier does
    (``caselink.entities.rules.surname_guard``)."""
    keep = np.array(pairs["match_probability"].to_numpy(dtype=float) >= config.threshold, dtype=bool)
    if config.require_identifier:
        agree = np.zeros(len(pairs), dtype=bool)
        for col in IDENTIFIER_WEIGHTS:
            agree |= np.nan_to_num(pairs[col].to_numpy(dtype=float)) > 0
        keep &= agree
    if persons is not None and len(pairs):
        keep &= surname_guard(pairs, persons)
    cols = ["mention_id_l", "mention_id_r", "match_weight", "match_probability"]
    return pairs.loc[keep, cols].reset_index(drop=True)


def trained_or_none(persons: pd.DataFrame, config: ResolveConfig) -> dict[str, Any] | None:
    """A person model trained on ``persons``, or None when there are too few to learn from (fewer
    than ``config.min_training_persons``, or EM finds no pairs): the rules decide then."""
    from splink.internals.exceptions import EMTrainingException

    if len(persons) < config.min_training_persons:
        return None
    try:
        return train(persons, seed=config.seed)
    except EMTrainingException:
        return None


def components(ids: list[str], links: pd.DataFrame) -> np.ndarray:
    """Connected-component label of each id, given joined pairs."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    index = {m: i for i, m in enumerate(ids)}
    a = np.array([index[m] for m in links["mention_id_l"]], dtype=np.int64)
    b = np.array([index[m] for m in links["mention_id_r"]], dtype=np.int64)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(ids), len(ids)))
    return np.asarray(connected_components(graph, directed=False)[1])


def _entity_ids(prepared: pd.DataFrame, labels: np.ndarray, persons: pd.DataFrame) -> list[str | None]:
    """Exact kinds: ``kind:normalised value``; people: ``person:`` + a hash of the cluster's first
    mention, so re-running resolution on the same mentions gives the same ids."""
    first_of = persons.assign(label=labels).groupby("label")["mention_id"].min()
    person_id = {m: "person:" + hashlib.sha1(first_of[lab].encode()).hexdigest()[:12]
                 for m, lab in zip(persons["mention_id"], labels, strict=True)}
    out: list[str | None] = []
    for mid, kind, norm in zip(prepared["mention_id"], prepared["kind"], prepared["norm"], strict=True):
        if kind == "person":
            out.append(person_id.get(mid) or "person:" + hashlib.sha1(mid.encode()).hexdigest()[:12])
        else:
            out.append(f"{kind}:{norm}" if norm else None)
    return out


def attach_weights(prepared: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Each mention's strongest link (weight, probability, the mention it joined)."""
    both = [links.rename(columns={"mention_id_l": "mention_id", "mention_id_r": "matched_to"}),
            links.rename(columns={"mention_id_r": "mention_id", "mention_id_l": "matched_to"})]
    import pandas as pd

    best = (pd.concat(both).sort_values("match_weight", ascending=False)
            .drop_duplicates("mention_id")) if len(links) else pd.DataFrame(
        columns=["mention_id", "matched_to", "match_weight", "match_probability"])
    return prepared.merge(best, on="mention_id", how="left")


def resolve(mentions: pd.DataFrame, config: ResolveConfig | None = None,
            model: dict[str, Any] | None = None) -> Resolution:
    """Resolve all mentions; trains the person model unless one is given."""
    import time

    cfg = config or ResolveConfig()
    started = time.perf_counter()
    prepared = prepare(mentions, cfg.region)
    persons = person_frame(prepared)
    if model is None:
        model = trained_or_none(persons, cfg)
    links = score_pairs(persons, model, cfg) if model is not None else rule_pairs(persons)
    labels = components(list(persons["mention_id"]), links)
    prepared["entity_id"] = _entity_ids(prepared, labels, persons)
    out = attach_weights(prepared, links)
    stats = {"mentions": len(out), "person_mentions": len(persons), "person_links": len(links),
             "method": "splink model" if model is not None else "rules (too few mentions to train the model)",
             "entities": int(out["entity_id"].nunique()), "seconds": round(time.perf_counter() - started, 2)}
    return Resolution(out, links, model, stats)
