"""A hand-set prior model: Bayes factors from first principles, for use with no labels at all.

Used to build ``data/models/default.json`` only when no synthetic training data are available.
Each weight is a log Bayes factor chosen so that evidence an analyst would call strong (nothing
else lies nearer in space or time; a shared fact fewer than 2% of cases have; a shared phone)
moves the odds by a factor of ~10 (+2.3), and its absence moves them down modestly.
"""

from __future__ import annotations

import math

from caselink.model.additive import LinkModel, Term


def _step(feature: str, scale: str, edges: list[float], weights: list[float]) -> Term:
    return Term(feature, scale, "step", edges, weights, 0.0)


def prior_model() -> LinkModel:
    """The hand-set model (``kind`` "bayes"); its intercept assumes ~1 linked pair in 400 candidates."""
    lg = math.log1p
    terms = [
        _step("space_nearer", "linear", [0.3, 1.0, 2.0, 3.0], [2.3, 1.4, 0.3, -0.8, -1.5]),
        _step("time_nearer", "linear", [0.3, 1.0, 2.0, 3.0], [1.8, 1.1, 0.2, -0.6, -1.2]),
        _step("circumstances_shared_info", "linear", [0.5, 3.0, 6.0, 10.0], [-0.5, 0.3, 1.2, 2.2, 3.0]),
        _step("circumstances_conflicts", "linear", [0.5, 1.5], [0.2, -0.3, -0.8]),
        _step("substances_shared_info", "linear", [0.5, 3.0, 6.0], [-0.2, 0.3, 1.2, 2.0]),
        _step("victim_tags_shared_info", "linear", [0.5, 3.0, 6.0], [-0.1, 0.3, 0.8, 1.2]),
        _step("place_type_match", "linear", [0.5, 3.0], [-0.3, 0.3, 0.8]),
        _step("same_incident_type", "linear", [0.5], [-0.5, 0.3]),
        _step("victim_sex_match", "linear", [0.5], [-0.7, 0.2]),
        _step("victim_age_gap", "log", [lg(5.0), lg(15.0)], [0.4, 0.0, -0.5]),
        _step("narrative_similarity", "linear", [0.3, 0.6], [-0.2, 0.4, 1.2]),
        _step("shared_entities", "log", [lg(0.5)], [0.0, 2.5]),
    ]
    return LinkModel(name="caselink-prior", version="0.1", kind="bayes", intercept=-6.0, terms=terms,
                     trained_on={"source": "hand-set prior (no training data)", "cases": 0})
