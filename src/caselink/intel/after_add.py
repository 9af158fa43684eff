"""What runs after intel reports are recorded: entity resolution of their mentions, which can
raise ``entity`` alerts when a report names someone seen in a case.

``AFTER_ADD`` lists ``"module:function"`` targets, each called as ``function(store, reports)``
and imported only when reports are added (so ``caselink.intel`` does not import the entity
resolution stack). The reports are already committed: a failing step is reported on stderr and
in the server log, and never undoes the recording.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caselink.intel.reports import Report
    from caselink.store.store import Store

AFTER_ADD: list[str] = ["caselink.entities.hook:resolve_after_intel"]
log = logging.getLogger("caselink.intel")


def run_after_add(store: Store, reports: Sequence[Report]) -> list[str]:
    """Run every ``AFTER_ADD`` step on the new reports; returns the errors (empty when all ran)."""
    errors: list[str] = []
    for target in AFTER_ADD:
        module, _, name = target.partition(":")
        try:
            getattr(importlib.import_module(module), name)(store, list(reports))
        except Exception as exc:  # noqa: BLE001 - the reports stay recorded; the user is told
            message = f"{target}: {type(exc).__name__}: {exc}"
            log.exception("after recording intel reports: %s", message)
            print(f"warning: the reports were recorded, but a follow-up step failed: {message}", file=sys.stderr)
            errors.append(message)
    return errors
