"""Score: calibrated probabilities that two cases share an offender, with per-feature reasons.

Two model kinds share one additive form (``LinkModel``): ``fit_bayes`` (transparent Bayes
factors over bins) and ``fit_learned`` (logistic on piecewise-linear curves plus interactions).
``default_model()`` ships in the package for stores with no solved series of their own.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from caselink.model.additive import Interaction, LinkModel, Scores, Term
from caselink.model.bayes import fit_bayes
from caselink.model.io import load_model, model_from_dict, model_to_dict, save_model
from caselink.model.learned import fit_learned

__all__ = ["Interaction", "LinkModel", "Scores", "Term", "default_model", "fit_bayes", "fit_learned",
           "load_model", "model_from_dict", "model_to_dict", "save_model"]


@lru_cache(maxsize=1)
def _default() -> LinkModel:
    with resources.as_file(resources.files("caselink") / "data" / "models" / "default.json") as path:
        return load_model(path)


def default_model() -> LinkModel:
    """The model shipped with caselink (see ``trained_on`` in its JSON for what it learned from)."""
    return _default()
