"""Statistical behaviour: planted clusters are found; pure noise gives p < 0.05 about 5% of the time."""

from __future__ import annotations

import numpy as np

from caselink.scan import ScanSettings, permutation_scan

SETTINGS = ScanSettings(max_radius_km=1.0, max_days=14, replicates=99)


def test_power_at_least_90_percent_of_50_planted_clusters(synthetic) -> None:  # type: ignore[no-untyped-def]
    """300 background cases on 10 x 10 km over 200 days; 10 more within 400 m and 7 days."""
    found = 0
    for seed in range(50):
        data = synthetic(np.random.default_rng(1000 + seed), n=300, plant=10)
        settings = ScanSettings(**{**SETTINGS.__dict__, "seed": seed})
        top = permutation_scan(data.case_ids, data.coords, "xy", data.days, settings).clusters[0]
        planted = {data.case_ids[r] for r in data.planted}
        hit = len(planted & set(top.case_ids)) >= len(top.case_ids) / 2
        found += top.p_value < 0.05 and hit
    assert found >= 45, f"only {found} of 50 planted clusters found at p < 0.05"


def test_pure_noise_is_significant_in_about_5_percent_of_runs(synthetic) -> None:  # type: ignore[no-untyped-def]
    """With 99 replicates P(p <= 0.05) is exactly 5% under the null; 200 runs give 10 +/- 3."""
    significant = 0
    for seed in range(200):
        data = synthetic(np.random.default_rng(5000 + seed), n=150)
        settings = ScanSettings(**{**SETTINGS.__dict__, "seed": seed})
        top = permutation_scan(data.case_ids, data.coords, "xy", data.days, settings).clusters[0]
        significant += top.p_value <= 0.05
    # Binomial(200, 0.05): P(X <= 2) ~ 0.002 and P(X >= 21) ~ 0.002. A p-value that ignores the
    # maximum over cylinders (no multiple-testing correction) is significant in most runs.
    assert 3 <= significant <= 20, f"{significant} of 200 noise runs had p <= 0.05"
