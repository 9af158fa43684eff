"""Entity resolution benchmark: time and peak memory to resolve N synthetic entity mentions.

For each size, a fresh process renders synthetic cases until it has about N mentions (not
timed), then times ``caselink.entities.resolve.resolve`` (normalise, train the splink person
model without labels, predict, cluster) and reports peak RSS of that process (which includes the
generator's own memory, so it is an upper bound) and the pairwise precision/recall against truth.

    .venv/bin/python bench/entities.py                    # 100k and 300k mentions
    .venv/bin/python bench/entities.py --sizes 1000000    # 1M (long on a shared 2-core machine)

Writes bench/results/entities.json (sizes already there and not re-run are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "entities.json"
MENTIONS_PER_CASE = 1.4  # synthetic cases carry ~1.4 entity mentions each
CHILD = """
import json, resource, sys, time
from caselink.entities.evaluate import pairwise, synth_mentions
from caselink.entities.resolve import resolve
target = int(sys.argv[1])
frame, truth = synth_mentions(int(target / float(sys.argv[2])), seed=0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
res = resolve(frame)
wall = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
scores = pairwise(res, truth).to_dict()
print(json.dumps({"mentions": len(frame), "person_mentions": res.stats["person_mentions"],
                  "person_links": res.stats["person_links"], "entities": res.stats["entities"],
                  "resolve_s": round(wall, 2), "mentions_per_s": round(len(frame) / wall),
                  "peak_rss_mb": round(peak / 1024), "rss_before_resolve_mb": round(before / 1024),
                  "precision": scores["precision"], "recall": scores["recall"]}))
"""


def run(size: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run([sys.executable, "-c", CHILD, str(size), str(MENTIONS_PER_CASE)], check=True,
                         capture_output=True, text=True, env=env)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    args = parser.parse_args()
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    runs = {r["target"]: r for r in previous.get("runs", [])}
    for size in args.sizes:
        result = {"target": size, **run(size)}
        runs[size] = result
        print(f"{result['mentions']:>9} mentions: {result['resolve_s']:>8.1f} s "
              f"({result['mentions_per_s']}/s), peak {result['peak_rss_mb']} MB, "
              f"precision {result['precision']:.4f} recall {result['recall']:.4f}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "entities", "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runs": [runs[k] for k in sorted(runs)]}, indent=2) + "\n")


if __name__ == "__main__":
    main()
