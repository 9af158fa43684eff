"""End-to-end evaluation: run what a user runs with no labels (ingest without series_ids, link,
similar, series) in a scratch store and judge it against the truth (``caselink evaluate
--end-to-end``).

``run.py`` (``evaluate_end_to_end``: scratch store, label check, link with every scored pair
observed, similar, series), ``truth.py`` (synthetic truth file or a store's series_ids; true
pairs over the store's cases), ``figures.py`` (pure figures: blocking recall, stored-link
precision/recall, calibration, partner@k), ``report.py`` (the human summary).
"""

from __future__ import annotations

from caselink.endtoend.report import human_lines
from caselink.endtoend.run import EndToEndConfig, LabelLeak, evaluate_end_to_end
from caselink.endtoend.truth import Truth, load_truth, truth_from_series

__all__ = ["EndToEndConfig", "LabelLeak", "Truth", "evaluate_end_to_end", "human_lines", "load_truth",
           "truth_from_series"]
