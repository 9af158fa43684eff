"""SIGKILL at random moments during ingest: a batch is all there or not there, never half.

Each round starts ``caselink ingest`` on a new batch in a subprocess and kills it after a random
delay. Afterwards the store must hold exactly the batches whose ingest finished (all their
cases, versions and audit rows) and none of any killed batch, and the audit chain must verify.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.corpus import valid_record

from caselink import audit
from caselink.store import Store

BATCH = 3000
ROUNDS = int(os.environ.get("CASELINK_KILL_ROUNDS", "50"))


def _batch_file(tmp_path: Path, k: int) -> Path:
    path = tmp_path / f"batch{k}.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(BATCH):
            rec = valid_record(i, case_id=f"K{k:03d}-{i:05d}")
            fh.write(json.dumps(rec) + "\n")
    return path


def _run_ingest(db: Path, path: Path) -> subprocess.Popen[bytes]:
    code = ("import sys; from caselink.store import Store\n"
            "with Store.open(sys.argv[1], user='killer') as s: s.ingest([sys.argv[2]], run_hooks=False)\n")
    return subprocess.Popen([sys.executable, "-c", code, str(db), str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _present(db: Path, done: list[int]) -> set[int]:
    """Check the store's invariants; return the batches present (each complete, none lost)."""
    with Store.open(db, user="checker") as s:
        per_batch = dict(s.con.execute(
            "SELECT split_part(case_id, '-', 1), count(*) FROM cases GROUP BY 1").fetchall())
        versions = s.con.execute("SELECT count(*) FROM case_versions").fetchall()[0][0]
        batches = s.con.execute("SELECT count(*) FROM ingest_batches").fetchall()[0][0]
        collected = s.con.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'collection' AND user_name = 'killer'").fetchall()[0][0]
        assert audit.verify(s.con).ok
    present = {int(key[1:]) for key in per_batch}
    assert all(n == BATCH for n in per_batch.values()), f"partial batch: {per_batch}"
    assert set(done) <= present, f"committed batch lost: {sorted(set(done) - present)}"
    assert versions == BATCH * len(present) and batches == len(present) == collected
    return present


@pytest.mark.slow
def test_sigkill_during_ingest_never_leaves_a_partial_batch(tmp_path: Path) -> None:
    db = tmp_path / "crash.duckdb"
    Store.open(db, user="setup").close()
    rng = random.Random(20141)
    # Measure one full ingest so kill times cover the whole run, start to commit.
    first = _batch_file(tmp_path, 0)
    t0 = time.perf_counter()
    proc = _run_ingest(db, first)
    assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    full = time.perf_counter() - t0
    done = [0]
    killed = 0
    for k in range(1, ROUNDS + 1):
        path = _batch_file(tmp_path, k)
        proc = _run_ingest(db, path)
        time.sleep(rng.uniform(0.0, full * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        rc = proc.wait(timeout=120)
        assert rc in (0, -signal.SIGKILL), proc.stderr.read() if proc.stderr else ""
        present = _present(db, done)
        if rc == 0:
            assert k in present
        done = sorted(present)  # a run killed after its commit counts as committed
        path.unlink()
    assert killed >= ROUNDS // 4, f"only {killed} of {ROUNDS} runs were killed; the timing is off"
