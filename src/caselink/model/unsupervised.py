"""A store-adaptive link model fitted with no labels: Fellegi-Sunter EM from the default model.

``adapt(base, candidates, random_pairs)`` re-estimates a ``LinkModel`` on a store's own candidate
pairs (the pairs ``caselink link`` scores), as probabilistic record linkage does, by EM
(``caselink.model.em.fit_tilted``) over a uniform sample of those pairs:

- **lambda**, the share of candidate pairs that are linked, is estimated (the EM's mixing
  weight), not assumed; the adapted model's mean probability over the sampled candidate pairs is
  exactly lambda.
- **u-side** (unlinked pairs): for the groups no blocking rule selects on (``RANDOM_U``: victim
  age, sex, ethnicity, tags; time of day, day of week), the distribution over *random* pairs of
  the store, held fixed (the store's own value frequencies, as splink's
  ``estimate_u_using_random_sampling``). For the groups blocking does select on (space, time,
  incident type, place type, circumstances, substances, weapon, entities), random pairs are
  nothing like unlinked *candidate* pairs (on synthetic data 3% of random pairs share an area
  against 58% of unlinked candidates), so their u is the candidates' own distribution weighted
  by each pair's posterior of being unlinked, re-estimated every iteration.
- **m-side** (linked pairs): per group, the u-side tilted by the base model's curve,
  m_g = u_g exp(b_g s_g) / Z_g, where s_g is the base model's contribution of the group's
  features; EM estimates b_g (a normal prior around 1 keeps the base shape where the store says
  little). The adapted contribution of the group is b_g s_g - log Z_g: the base curves rescaled.

**Dependence.** Fellegi-Sunter assumes comparisons independent within each class, and ours are
not: distance_km and space_nearer are two readings of one distance, circumstances_shared_info
and circumstances_jaccard of one overlap (and the narrative is written from the circumstances).
Treating them as independent would count that evidence twice and make probabilities too
extreme. So the features are put in conditional-independence groups (``GROUPS``); independence is
assumed only *between* groups, and within a group the base model's joint shape (which the
supervised fit already de-duplicated) is kept, read as one score s_g. Free m-probabilities per
bin were tried first and rejected: the linked component drifted to "same incident type" pairs
(lambda 0.41 on a store whose true rate is 0.0007). The result is an ordinary additive
``LinkModel``: explanations, the compiled scorer and any later constraint step apply unchanged.

**Sampling.** ``caselink link`` at 1M cases compares ~140M candidate pairs, too many to hold for
EM; ``DEFAULT_SAMPLE`` (1M) uniformly drawn candidate pairs suffice: at a link rate of 0.1% they
hold ~1,000 linked pairs, so lambda's binomial relative standard error is ~3%, well inside the
0.8-1.25x calibration target, and the EM estimates only 1 + one tilt per group (15) numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from caselink.compare import Features
from caselink.errors import ModelError
from caselink.model.additive import LinkModel, Term
from caselink.model.em import TiltResult, fit_tilted

FloatArray = npt.NDArray[np.float64]

#: conditional-independence groups: independence is assumed between groups, never within one
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("space", ("distance_km", "space_nearer", "area_match")),
    ("time", ("time_gap_days", "time_nearer", "time_uncertainty_days")),
    ("time_of_day", ("tod_gap_hours",)),
    ("day_of_week", ("dow_gap_days",)),
    ("incident_type", ("incident_type_match",)),
    ("place_type", ("place_type_match",)),
    ("weapon", ("weapon_match",)),
    ("victim_age", ("victim_age_gap",)),
    ("victim_sex", ("victim_sex_match",)),
    ("victim_ethnicity", ("victim_ethnicity_match",)),
    ("victim_tags", ("victim_tags_shared_info",)),
    ("circumstances", ("circumstances_shared_info", "circumstances_jaccard", "circumstances_conflicts",
                       "narrative_similarity")),
    ("substances", ("substances_shared_info", "substances_jaccard")),
    ("entities", ("entities_involved_info", "entities_bystander_info")),
)
#: groups whose u comes from random pairs: no blocking rule selects candidate pairs on them
RANDOM_U: frozenset[str] = frozenset({"time_of_day", "day_of_week", "victim_age", "victim_sex",
                                      "victim_ethnicity", "victim_tags"})
#: the most linked candidate partners per case an adapted model may imply (2 * lambda * pairs /
#: cases) before it is refused as not credible: on caselink.synth's london-deaths data the true
#: figure is 0.47, and crime data are mostly one-off offences. An EM that finds far more has found
#: some other structure of the candidate pairs (e.g. "same incident type"), not offenders.
MAX_PARTNERS_PER_CASE = 2.0
DEFAULT_SAMPLE = 1_000_000
DEFAULT_RANDOM = 200_000
PRIOR_SD = 1.0
TOLERANCE = 1e-6


def implied_partners(model: LinkModel, cases: int, candidate_pairs: int) -> float:
    """Linked candidate partners per case that an adapted model's estimated link rate implies."""
    lam = float((model.adaptation or {}).get("lambda", 0.0))
    return 2.0 * lam * candidate_pairs / max(cases, 1)


def credibility(model: LinkModel, cases: int, candidate_pairs: int,
                max_partners: float = MAX_PARTNERS_PER_CASE) -> str | None:
    """Why an adapted model should not be used (None when nothing speaks against it)."""
    em = (model.adaptation or {}).get("em", {})
    if not em.get("converged", False):
        return f"the EM did not converge in {em.get('iterations')} iterations"
    partners = implied_partners(model, cases, candidate_pairs)
    if partners > max_partners:
        lam = (model.adaptation or {}).get("lambda")
        return (f"its estimated link rate {lam:.4g} implies {partners:.1f} linked partners per case "
                f"(more than {max_partners:g}): the EM found some other structure of the candidate pairs "
                "than common offenders")
    return None


def group_scores(base: LinkModel, feats: Features) -> tuple[list[str], list[list[Term]], FloatArray]:
    """(group names, each group's base terms, pairs x groups matrix of their summed contribution).
    A base feature in no group of ``GROUPS`` forms a group of its own."""
    by_feature = {t.feature: t for t in base.terms}
    named = [(g, [by_feature[f] for f in members if f in by_feature]) for g, members in GROUPS]
    grouped = {f for _, members in GROUPS for f in members}
    named += [(t.feature, [t]) for t in base.terms if t.feature not in grouped]
    named = [(g, terms) for g, terms in named if terms]
    out = np.zeros((len(feats), len(named)))
    for j, (_, terms) in enumerate(named):
        for t in terms:
            out[:, j] += base.slope * t(feats.column(t.feature))
    return [g for g, _ in named], [terms for _, terms in named], out


def adapt(base: LinkModel, candidates: Features, random_pairs: Features, *, labels: npt.ArrayLike | None = None,
          prior_sd: float = PRIOR_SD, max_iter: int = 300, name: str | None = None, version: str = "1",
          trained_on: Mapping[str, Any] | None = None) -> LinkModel:
    """Fit ``base`` to the store's candidate pairs by EM (no labels needed; see the module doc).

    ``candidates`` is a (uniform sample of the) store's candidate pairs, ``random_pairs`` uniformly
    drawn pairs of its cases; ``labels`` (1 linked, 0 unlinked, -1 unknown per candidate pair)
    are held fixed in the E-step where known (solved series): the fit is then semi-supervised.
    """
    if len(candidates) == 0:
        raise ModelError("the store has no candidate pairs to fit a model to: ingest cases first")
    names, terms, scores = group_scores(base, candidates)
    _, _, ref_scores = group_scores(base, random_pairs)
    reference = {j: ref_scores[:, j] for j, g in enumerate(names) if g in RANDOM_U and len(random_pairs)}
    prior = np.asarray(base.score(candidates).probability, dtype=np.float64)
    fit = fit_tilted(scores, prior, labels=labels, reference=reference, prior_sd=prior_sd, max_iter=max_iter,
                     tol=TOLERANCE)
    return _build(base, names, terms, fit, candidates, labels, reference, prior_sd, name, version,
                  dict(trained_on or {}), len(random_pairs))


def _build(base: LinkModel, names: list[str], groups: list[list[Term]], fit: TiltResult, candidates: Features,
           labels: npt.ArrayLike | None, reference: Mapping[int, Any], prior_sd: float, name: str | None,
           version: str, trained_on: dict[str, Any], n_random: int) -> LinkModel:
    """The adapted LinkModel: each group's base terms times its tilt, intercept so mean p = lambda."""
    from caselink.training import match_rate_shift

    terms: list[Term] = []
    summary = {}
    for j, (g, group) in enumerate(zip(names, groups, strict=True)):
        k = float(fit.b[j]) * base.slope
        terms += [Term(t.feature, t.scale, t.kind, list(t.knots), [float(v) * k for v in t.weights],
                       float(t.missing) * k) for t in group]
        summary[g] = {"features": [t.feature for t in group], "tilt": round(float(fit.b[j]), 4),
                      "log_z": round(float(fit.log_z[j]), 4), "u_from": "random pairs" if j in reference else "EM"}
    lam = fit.lam
    model = LinkModel(name=name or f"{base.name}-adapted", version=version, kind="adapted",
                      intercept=float(np.log(lam / (1 - lam)) - fit.log_z.sum()), terms=terms, slope=1.0,
                      feature_set=base.feature_set)
    shift = match_rate_shift(model.score(candidates).log_odds, lam)
    model.intercept += shift
    lab = np.full(len(candidates), -1) if labels is None else np.asarray(labels)
    model.adaptation = {
        "method": "Fellegi-Sunter EM, m an exponential tilt of u per conditional-independence group "
                  "(caselink.model.unsupervised)",
        "base_model": f"{base.name} {base.version}", "lambda": round(lam, 8),
        "em": {"iterations": fit.iterations, "converged": fit.converged, "tolerance": TOLERANCE,
               "lambda_start": round(fit.lam_history[0], 8) if fit.lam_history else None,
               "intercept_shift": round(float(shift), 4), "prior_sd": prior_sd},
        "groups": summary}
    trained_on.update({
        "sampled_candidate_pairs": int(len(candidates)), "random_pairs": int(n_random),
        "labelled_pairs": {"linked": int((lab == 1).sum()), "unlinked": int((lab == 0).sum())}})
    model.trained_on = trained_on
    return model
