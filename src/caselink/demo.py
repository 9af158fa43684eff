"""``caselink demo``: load the bundled synthetic data into a fresh store and walk through the pipeline.

Each step is one stage's own demo function, run in pipeline order, so the demo shows what the
code does rather than a script of its own. The store is a normal caselink store: after the demo
every command (``show``, ``similar``, ``serve`` …) works on it with ``--db``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caselink import audit
from caselink.errors import CaselinkError
from caselink.store import Store

PURPOSE = "caselink demo"
DEFAULT_DB = Path("caselink-demo.duckdb")
MARKER = "caselink-demo"


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    data: Any = None


def fresh_store(path: Path, user: str | None, force: bool) -> Store:
    """Recreate the demo store; refuse to delete a file that is not a demo store unless forced."""
    if path.exists():
        if not force and not _is_demo_store(path):
            raise CaselinkError(f"{path} exists and is not a demo store; pass --force to replace it, "
                                "or choose another --db")
        for extra in (path, path.with_name(path.name + ".wal")):
            extra.unlink(missing_ok=True)
    store = Store.open(path, user=user)
    store.con.execute(f"COMMENT ON TABLE cases IS '{MARKER}'")
    return store


def _is_demo_store(path: Path) -> bool:
    try:
        with Store.open(path, read_only=True) as s:
            rows = s.con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'cases'").fetchall()
    except CaselinkError:
        return False
    return bool(rows) and rows[0][0] == MARKER


def step_load(store: Store) -> Step:
    from caselink.synth.demo import demo_path, demo_step

    report = store.ingest([demo_path()], show_progress=False, command="demo")
    stats = store.stats(command="demo")
    text = (f"Loaded {report.new:,} cases from the bundled file ({', '.join(f'{v} {k}' for k, v in stats['by_incident_type'].items())}).\n"
            + demo_step(store))
    errors = report.extra.get("after_ingest_errors")
    if errors:
        raise CaselinkError("the demo's linkage step failed: " + "; ".join(errors))
    return Step("Ingest", text, {"ingest": report.to_dict(), "stats": stats})


def step_linkage(store: Store) -> Step:
    from caselink.alerts import list_alerts
    from caselink.linkage.series import series
    from caselink.linkage.similar import similar
    from caselink.synth.demo import barking_case_ids

    bark = barking_case_ids()
    alerts = [a for a in list_alerts(store, kind="linkage", limit=10_000, purpose=PURPOSE, command="demo")
              if a.case_id in bark]
    last = bark[-1]
    near = similar(store, last, limit=5, purpose=PURPOSE, command="demo")
    lines = [f"{len(alerts)} linkage alert(s) fired when the Barking-like deaths arrived: "
             + "; ".join(f"{a.case_id}: {a.title}" for a in alerts[:4])]
    lines.append(f"Cases most like {last} (the fourth death), with why:")
    for r in near:
        mark = "  <- same offender" if r["case_id"] in bark else ""
        lines.append(f"  {r['case_id']}  p={r['probability']:.3f}  log-odds {r['log_odds']:+.1f}{mark}")
        for e in r["explanation"][:4]:
            lines.append(f"      {e['feature']}: {e['value']}  ({e['contribution']:+.2f})")
    found = [s for s in series(store, min_probability=0.5, purpose=PURPOSE, command="demo")
             if set(bark) & set(s["case_ids"])]
    if found:
        s = found[0]
        hit = len(set(bark) & set(s["case_ids"]))
        lines.append(f"Candidate series {s['series_id']} holds {hit} of the 4 deaths among {len(s['case_ids'])} "
                     f"cases (confidence {s['confidence']:.2f}).")
    else:
        lines.append("No candidate series above p=0.5 holds the Barking-like deaths.")
    return Step("Linkage", "\n".join(lines), {"alerts": [a.to_dict() for a in alerts], "similar": near,
                                             "series": found[:1]})


def step_intel(store: Store) -> Step:
    from caselink.intel.demo import demo_step

    return Step("Intel and missed actions", demo_step(store))


def step_disparity(store: Store, report: Path | None) -> Step:
    from caselink.disparity.demo import demo_step

    return Step("Outcome disparity", demo_step(store, report))


def step_audit(store: Store) -> Step:
    result = audit.verify(store.con)
    text = (f"Audit log: {result.rows} rows, hash chain verifies." if result.ok
            else f"Audit log does NOT verify: {result.reason}")
    return Step("Audit", text, result.to_dict())


def run_demo(path: Path = DEFAULT_DB, *, user: str | None = None, force: bool = False,
             report: Path | None = None, on_step: Callable[[Step], None] | None = None) -> list[Step]:
    """Build the demo store at ``path`` and run every step; ``on_step`` sees each as it finishes."""
    steps: list[Step] = []
    with fresh_store(path, user, force) as store:
        runners: list[Callable[[], Step]] = [
            lambda: step_load(store), lambda: step_linkage(store),
            *_optional_step(store, "caselink.evaluate", "Linkage model check on the known series"),
            *_optional_step(store, "caselink.entities.demo", "People, phones and vehicles across cases"),
            *_optional_step(store, "caselink.scan.demo", "Space-time scan and unsolved clusters"),
            lambda: step_intel(store), lambda: step_disparity(store, report),
            *_optional_step(store, "caselink.web.demo", "Web UI accounts"),
            lambda: step_audit(store),
        ]
        for runner in runners:
            step = runner()
            steps.append(step)
            if on_step is not None:
                on_step(step)
    return steps


def _optional_step(store: Store, module: str, title: str) -> list[Callable[[], Step]]:
    """The step of a stage that provides ``demo_step(store) -> str``, if that stage is installed."""
    import importlib
    import importlib.util

    if importlib.util.find_spec(module) is None:
        return []
    return [_module_step(store, importlib.import_module(module), title)]


def _module_step(store: Store, module: Any, title: str) -> Callable[[], Step]:
    def run() -> Step:
        return Step(title, module.demo_step(store))

    return run
