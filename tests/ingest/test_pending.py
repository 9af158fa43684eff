"""Derived work after a committed ingest is never lost: a SIGKILL during entity resolution (after
the batch committed) leaves the step pending; ``stats`` and ``audit verify`` say so; the next
ingest, or ``caselink repair``, completes it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from caselink.cli import main
from caselink.ingest import pending
from caselink.store import Store

DEMO = Path(__file__).parents[2] / "src" / "caselink" / "data" / "demo_cases.jsonl"
# Kill the process inside resolution's write transaction, after its mentions are written.
KILL_IN_RESOLUTION = """
import os, signal, sys
import caselink.entities.stored as stored
real = stored._write
def write_then_die(con, mentions):
    real(con, mentions)
    os.kill(os.getpid(), signal.SIGKILL)
stored._write = write_then_die
from caselink.store import Store
with Store.open(sys.argv[1], user="killed") as s:
    s.ingest([sys.argv[2]], show_progress=False)
"""


def _demo_part(tmp_path: Path, name: str, start: int, stop: int) -> Path:
    lines = DEMO.read_bytes().splitlines()[start:stop]
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _killed_ingest(db: Path, path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", KILL_IN_RESOLUTION, str(db), str(path)],
                          capture_output=True, timeout=600)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]


def _unresolved(db: Path, path: Path) -> tuple[int, int]:
    """(case mentions in ``path``'s cases, of which resolved) as the store holds them."""
    ids = [orjson.loads(line)["case_id"] for line in path.read_bytes().splitlines() if line.strip()]
    with Store.open(db, user="checker") as s:
        wanted = s.con.execute("SELECT count(*) FROM case_entities WHERE list_contains(?, case_id)",
                               [ids]).fetchall()[0][0]
        resolved = s.con.execute("SELECT count(*) FROM entity_mentions WHERE source = 'case' AND "
                                 "list_contains(?, source_id)", [ids]).fetchall()[0][0]
    return int(wanted), int(resolved)


def _cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def crashed(tmp_path: Path) -> tuple[Path, Path]:
    """A store whose first batch is committed but whose resolution was killed half-way."""
    db = tmp_path / "crash.duckdb"
    first = _demo_part(tmp_path, "first.jsonl", 0, 400)
    _killed_ingest(db, first)
    wanted, resolved = _unresolved(db, first)
    assert wanted > 0 and resolved == 0  # the kill rolled resolution back; the batch stayed
    with Store.open(db, user="checker") as s:
        assert s.count() == 400
        assert {p.step for p in pending.pending(s.con)} == {"caselink.entities", "caselink.linkage"}
    return db, first


@pytest.mark.slow
def test_the_next_ingest_completes_resolution_killed_by_sigkill(crashed: tuple[Path, Path], tmp_path: Path) -> None:
    db, first = crashed
    stats = _cli("stats", "--db", str(db), "--json")
    assert "caselink repair" in json.loads(stats.stdout)["pending"]["message"]
    verify = _cli("audit", "verify", "--db", str(db), "--json")
    assert verify.exit_code == 0 and json.loads(verify.stdout)["pending"]["steps"] == 2
    # Re-ingesting the same file is "unchanged" but still completes what the crash left.
    again = _cli("ingest", str(first), "--db", str(db), "--json")
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["unchanged"] == 400 and report["extra"]["completed_pending"][0]["cases"] == 400
    wanted, resolved = _unresolved(db, first)
    assert resolved == wanted
    with Store.open(db, user="checker") as s:
        assert pending.pending(s.con) == []
        assert s.con.execute("SELECT count(*) FROM links").fetchall()[0][0] > 0
    assert json.loads(_cli("stats", "--db", str(db), "--json").stdout)["pending"] is None


@pytest.mark.slow
def test_repair_completes_it_and_says_so(crashed: tuple[Path, Path]) -> None:
    db, first = crashed
    result = _cli("repair", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)
    assert done["pending"] is None and done["completed"][0]["steps"] == ["caselink.entities", "caselink.linkage"]
    wanted, resolved = _unresolved(db, first)
    assert resolved == wanted
    assert "nothing pending" in _cli("repair", "--db", str(db)).output


def test_a_failing_step_stays_pending_with_its_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import caselink.entities
    import caselink.linkage  # noqa: F401 - their hooks are registered before the list is replaced
    from caselink.ingest.pipeline import AFTER_INGEST

    def broken(store: Store, report: Any) -> None:
        raise RuntimeError("disk full")

    broken.__module__ = "caselink.linkage.hook"
    monkeypatch.setattr("caselink.ingest.pipeline.AFTER_INGEST", [h for h in AFTER_INGEST
                                                                  if "linkage" not in h.__module__] + [broken])
    monkeypatch.setattr("caselink.ingest.pipeline.AFTER_INGEST_MODULES", ["caselink.linkage"])
    db = tmp_path / "s.duckdb"
    with Store.open(db, user="t") as s:
        report = s.ingest([_demo_part(tmp_path, "a.jsonl", 0, 30)], show_progress=False)
        assert "disk full" in report.extra["after_ingest_errors"][0]
        (owed,) = pending.pending(s.con)
        assert (owed.step, owed.attempts) == ("caselink.linkage", 1) and "disk full" in (owed.last_error or "")
        assert s.stats()["pending"]["batches"] == [report.batch_id]
        # Still failing: the next ingest tries again and the step stays owed.
        s.ingest([_demo_part(tmp_path, "b.jsonl", 30, 40)], show_progress=False)
        assert [p.attempts for p in pending.pending(s.con)] == [2, 1]


def test_without_hooks_nothing_is_owed(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.duckdb", user="t") as s:
        s.ingest([_demo_part(tmp_path, "a.jsonl", 0, 20)], show_progress=False, run_hooks=False)
        assert pending.pending(s.con) == [] and s.stats()["pending"] is None
