"""Outcome disparity audit: do outcomes (non-suspicious, unsolved, late action) differ by victim group?

``run(store, DisparitySpec(...), purpose=...)`` reads cases (audited), compares groups with
intervals and tests, optionally adjusts for confounders, and says in plain words what it shows;
``report.write_html`` renders the result as a self-contained page.
"""

from __future__ import annotations

from caselink.disparity.analysis import DisparityResult, DisparitySpec, GroupRow, run
from caselink.disparity.demo import demo_step
from caselink.disparity.grouping import DisparityError

__all__ = ["DisparityError", "DisparityResult", "DisparitySpec", "GroupRow", "demo_step", "run"]
