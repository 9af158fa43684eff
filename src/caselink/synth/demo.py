"""The bundled demo dataset: 2,000 synthetic cases generated with a fixed seed.

``caselink demo`` loads ``demo_path()``; the linkage demo shows the planted Barking-like series
(``barking_case_ids()``), whose four deaths are unlabelled in the data, as they were in reality.
Regenerate after changing the generator with ``python -m caselink.synth.demo``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caselink.store import Store
    from caselink.synth.generator import SynthResult

DEMO_SEED = 2014
DEMO_CASES = 2000


def demo_path() -> Path:
    """Where the bundled demo JSON Lines file is."""
    return Path(str(resources.files("caselink") / "data" / "demo_cases.jsonl"))


@cache
def demo_result() -> SynthResult:
    """The generator result behind the bundled file (same seed and size), with its truth (cached)."""
    from caselink.synth.generator import generate

    return generate(DEMO_CASES, seed=DEMO_SEED)


def barking_case_ids() -> list[str]:
    """Case ids of the planted Barking-like series in the bundled data, in time order."""
    truth = demo_result().truth
    return next(o["case_ids"] for o in truth["offenders"].values() if o["kind"] == "planted_barking")


def demo_step(store: Store) -> str:
    """A paragraph for ``caselink demo``: what the bundled data holds and where the planted series is.

    Reads only counts from the store (no case detail), so it needs no purpose.
    """
    truth = demo_result().truth
    series = [o for o in truth["offenders"].values() if o["kind"] != "singleton"]
    unsolved = sum(1 for o in series if not o["solved"])
    bark = barking_case_ids()
    return (f"The demo data are {DEMO_CASES:,} synthetic London cases (seed {DEMO_SEED}), {store.count():,} in the "
            f"store: {len(series)} planted series, {unsolved} of them unsolved (no series_ids), plus "
            f"background cases. Four deaths of young men from GHB near one churchyard in 2014-15, each "
            f"closed as non-suspicious, are one unlabelled series: {', '.join(bark)}.")


def regenerate(path: Path | None = None) -> int:
    """Rewrite the bundled file from the generator; returns the number of cases written."""
    return demo_result().write_jsonl(path or demo_path())


if __name__ == "__main__":  # pragma: no cover
    print(f"{regenerate()} cases written to {demo_path()}")
