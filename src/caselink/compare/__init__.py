"""Compare: pure, vectorised kernels that turn pairs of cases into evidence (no database access).

Example:
    >>> table = CaseTable.from_frame(store.frame(CaseTable.COLUMNS, purpose=p, command="link"))  # doctest: +SKIP
    >>> feats = compare_pairs(table, a, b)                                                       # doctest: +SKIP
    >>> feats.names, feats.values.shape, feats.display(0)                                        # doctest: +SKIP
"""

from __future__ import annotations

from caselink.compare.features import (
           FEATURE_NAMES,
    FEATURE_SET_VERSION,
           FEATURES,
           SPECS,
           Features,
           FeatureSpec,
           compare_pairs,
)
from caselink.compare.table import CaseTable, CompareError

__all__ = ["FEATURES", "FEATURE_NAMES", "FEATURE_SET_VERSION", "SPECS", "CaseTable", "CompareError", "FeatureSpec", "Features",
           "compare_pairs"]
