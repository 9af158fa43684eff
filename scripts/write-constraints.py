"""Write constraints.txt: every distribution caselink's base install, the adjust extra and the dev
extra pull in, pinned to the version installed in this environment (where the tests passed).

    .venv/bin/python scripts/write-constraints.py

Deploy with the same versions: ``pip install -c constraints.txt 'caselink[adjust]'`` (or
``make deploy``).
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from install_size import closure  # noqa: E402


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    reqs = [*project["dependencies"], *extras.get("adjust", []), *extras.get("dev", [])]
    found, missing = closure(reqs)
    if missing:
        raise SystemExit(f"not installed here, install them first: {', '.join(missing)}")
    lines = ["# Versions caselink was tested with (scripts/write-constraints.py; base + adjust + dev).",
             "# pip install -c constraints.txt 'caselink[adjust]'"]
    lines += [f"{name}=={metadata.version(name)}" for name in sorted(found) if name != "caselink"]
    (ROOT / "constraints.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"constraints.txt: {len(lines) - 2} pins")


if __name__ == "__main__":
    main()
