"""The entities step of ``caselink demo`` on the bundled demo data."""

from __future__ import annotations

from caselink.entities.demo import demo_step
from caselink.ingest.pipeline import ingest
from caselink.store import Store
from caselink.synth.demo import demo_path


def test_demo_step_shows_a_person_written_several_ways(store: Store) -> None:
    ingest(store, [demo_path()], run_hooks=False, show_progress=False)
    text = demo_step(store)
    assert "entity mentions resolved into" in text
    assert "appears in" in text and "written as:" in text
    assert "same person (" in text and "match weight +" in text
    assert store.con.execute("SELECT count(*) FROM audit_log WHERE purpose = 'caselink demo: entity resolution'"
                             ).fetchall()[0][0] >= 2
