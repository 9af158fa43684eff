"""Size of caselink's base install: the dependency closure of pyproject.toml's ``dependencies``
(no extras), summed over each installed distribution's files (its RECORD) in this interpreter's
environment, and the number of distributions. Optional extras are listed separately.

    .venv/bin/python bench/install_size.py                         # this checkout's pyproject.toml
    .venv/bin/python bench/install_size.py --pyproject OLD.toml --out install_size-before

Every distribution of the closure must be installed here (it says which are missing). Prints the
figures and writes bench/results/<out>.json. This measures what pip would install for
``pip install caselink`` (pure sizes on disk, excluding the interpreter and pip itself), without
downloading anything.
"""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dist_size(dist: metadata.Distribution) -> int:
    total = 0
    for f in dist.files or []:
        path = Path(str(dist.locate_file(f)))
        if path.is_file():
            total += path.stat().st_size
    return total


def closure(requirements: list[str], extras: tuple[str, ...] = ()) -> tuple[dict[str, int], list[str]]:
    """name -> bytes for every distribution ``requirements`` pull in; and those not installed."""
    seen: dict[str, int] = {}
    missing: list[str] = []
    todo = [(Requirement(r), extras) for r in requirements]
    while todo:
        req, wanted = todo.pop()
        name = _canon(req.name)
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in (wanted or ("",))):
            continue
        if name in seen or name in missing:
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        seen[name] = dist_size(dist)
        for sub in dist.requires or []:
            todo.append((Requirement(sub), tuple(req.extras)))
    return seen, missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--out", default="install_size")
    opts = parser.parse_args()
    project = tomllib.loads(opts.pyproject.read_text(encoding="utf-8"))["project"]
    base, missing = closure(project["dependencies"])
    total = sum(base.values())
    biggest = sorted(base.items(), key=lambda kv: -kv[1])[:12]
    print(f"base install: {len(base)} distributions, {total / 2**20:.0f} MiB"
          + (f"  (not installed here, not counted: {', '.join(missing)})" if missing else ""))
    for name, size in biggest:
        print(f"  {name:<24}{size / 2**20:>8.1f} MiB")
    extras = {}
    for extra, reqs in project.get("optional-dependencies", {}).items():
        if extra == "dev":
            continue
        more, _ = closure(reqs)
        added = {k: v for k, v in more.items() if k not in base}
        extras[extra] = {"distributions": sorted(added), "mib": round(sum(added.values()) / 2**20, 1)}
        print(f"extra [{extra}]: +{len(added)} distributions, +{sum(added.values()) / 2**20:.0f} MiB")
    out = {"pyproject": str(opts.pyproject), "distributions": len(base), "mib": round(total / 2**20, 1),
           "missing": missing, "largest_mib": {k: round(v / 2**20, 1) for k, v in biggest},
           "per_distribution_bytes": dict(sorted(base.items())), "extras": extras}
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / f"{opts.out}.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
