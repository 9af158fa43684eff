"""Models as versioned JSON (never pickle): ``save_model``, ``load_model``, ``model_to_dict``.

Every file carries ``format`` and ``format_version``. Older versions are upgraded on load, one
step at a time, so a model saved by an earlier caselink keeps working.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from caselink.errors import ModelError
from caselink.model.additive import Interaction, LinkModel, Term

FORMAT = "caselink.linkmodel"
FORMAT_VERSION = 3
# Format history:
#   1 - terms, interactions, intercept, slope, trained_on.
#   2 - adds "feature_set": the compare feature-set version the model was trained on. A format-1
#       file is read as feature_set 1 (its neighbour-count features had the older meaning).
#   3 - adds "adaptation": for a model fitted to a store without labels
#       (``caselink.model.unsupervised``), the base model, the estimated link rate lambda, the
#       EM's iterations and convergence and each comparison group's fit; null for every other
#       model. A format-2 file is read with adaptation null.


def model_to_dict(model: LinkModel) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": model.name,
        "version": model.version,
        "kind": model.kind,
        "intercept": model.intercept,
        "slope": model.slope,
        "trained_on": model.trained_on,
        "feature_set": model.feature_set,
        "adaptation": model.adaptation,
        "terms": [
            {"feature": t.feature, "scale": t.scale, "kind": t.kind, "knots": t.knots,
             "weights": t.weights, "missing": t.missing}
            for t in model.terms
        ],
        "interactions": [
            {"features": list(i.features), "scales": list(i.scales), "centres": list(i.centres),
             "spreads": list(i.spreads), "coef": i.coef, "offset": i.offset}
            for i in model.interactions
        ],
    }


def model_from_dict(data: dict[str, Any], source: str = "model") -> LinkModel:
    if data.get("format") != FORMAT:
        raise ModelError(f"{source} is not a caselink link model (format {data.get('format')!r})")
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise ModelError(f"{source} has format_version {version!r}; this caselink reads 1..{FORMAT_VERSION}")
    data = _upgrade(dict(data), version)
    try:
        terms = [Term(t["feature"], t["scale"], t["kind"], [float(v) for v in t["knots"]],
                      [float(v) for v in t["weights"]], float(t["missing"])) for t in data["terms"]]
        inters = [Interaction((i["features"][0], i["features"][1]), (i["scales"][0], i["scales"][1]),
                              (float(i["centres"][0]), float(i["centres"][1])),
                              (float(i["spreads"][0]), float(i["spreads"][1])), float(i["coef"]),
                              float(i.get("offset", 0.0)))
                  for i in data.get("interactions", [])]
        return LinkModel(name=str(data["name"]), version=str(data["version"]), kind=str(data["kind"]),
                         intercept=float(data["intercept"]), terms=terms, interactions=inters,
                         slope=float(data.get("slope", 1.0)), trained_on=dict(data.get("trained_on", {})),
                         feature_set=int(data["feature_set"]),
                         adaptation=_adaptation(data.get("adaptation"), source))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelError(f"{source} is malformed: {exc!r}") from None


def _upgrade(data: dict[str, Any], version: int) -> dict[str, Any]:
    """Bring an older file's fields up to the current format, one version at a time."""
    if version < 2:
        data["feature_set"] = 1
    if version < 3:
        data["adaptation"] = None
    return data


def _adaptation(value: Any, source: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("lambda"), (int, float)):
        raise ModelError(f"{source} is malformed: 'adaptation' must be null or an object with a numeric lambda")
    return dict(value)


def save_model(model: LinkModel, path: str | os.PathLike[str]) -> None:
    """Write the model as indented JSON (atomically: a partial file is never left behind)."""
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(model_to_dict(model), indent=1) + "\n", encoding="utf-8")
    tmp.replace(target)


def load_model(path: str | os.PathLike[str]) -> LinkModel:
    """Read a model saved by any caselink version this one understands."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"no model file at {p}") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"{p} is not valid JSON ({exc})") from None
    return model_from_dict(data, str(p))
