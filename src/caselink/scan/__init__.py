"""Cluster detection without labels: the space-time permutation scan and the MAP cluster rule.

``permutation`` holds the scan statistic (compiled kernel in ``kernel``, axes in ``geometry``),
``mapclusters`` the Murder Accountability Project rule, and ``run`` the glue that reads cases
from a store (audited) and raises alerts.
"""

from __future__ import annotations

from caselink.scan.geometry import ScanError
from caselink.scan.permutation import ScanCluster, ScanResult, ScanSettings, permutation_scan

__all__ = ["ScanCluster", "ScanError", "ScanResult", "ScanSettings", "permutation_scan"]
