"""The scan's demo step finds the Barking-like GHB deaths in the bundled data and raises an alert."""

from __future__ import annotations

from caselink.alerts import list_alerts
from caselink.scan.demo import demo_step
from caselink.store import Store
from caselink.synth.demo import barking_case_ids, demo_path


def test_demo_step_finds_the_barking_deaths(store: Store) -> None:
    store.ingest([demo_path()], run_hooks=False)
    text = demo_step(store)
    bark = barking_case_ids()
    assert "Most likely cluster: 4 cases" in text and all(cid in text for cid in bark)
    alerts = list_alerts(store, kind="scan", purpose="t")
    assert len(alerts) == 1 and set(alerts[0].related_ids) == set(bark)
    assert alerts[0].case_id == bark[-1]
    assert "MAP rule" in text
