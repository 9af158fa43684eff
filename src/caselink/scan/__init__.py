"""Cluster detection without labels: the space-time permutation scan and the MAP cluster rule.

``permutation`` holds the scan statistic (compiled kernel in ``kernel``, axes in ``geometry``),
``mapclusters`` the Murder Accountability Project rule, and ``run`` the glue that reads cases
from a store (audited) and raises alerts. Names are loaded on first use so that the MAP rule
and the CLI do not pay for compiling the scan kernel.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ScanCluster": "caselink.scan.permutation", "ScanResult": "caselink.scan.permutation",
    "ScanSettings": "caselink.scan.permutation", "permutation_scan": "caselink.scan.permutation",
    "ScanError": "caselink.scan.geometry", "run_scan": "caselink.scan.run",
    "MapSettings": "caselink.scan.mapclusters", "map_clusters": "caselink.scan.mapclusters",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'caselink.scan' has no attribute {name!r}")
