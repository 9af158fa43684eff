"""Shared generated datasets for the synth tests (generated once per session: they are pure)."""

from __future__ import annotations

from typing import Any

import pytest

from caselink.synth import SynthResult, generate


@pytest.fixture(scope="session")
def mid() -> SynthResult:
    return generate(5000, seed=11)


@pytest.fixture(scope="session")
def mid_records(mid: SynthResult) -> list[dict[str, Any]]:
    return list(mid.records)
