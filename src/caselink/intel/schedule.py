"""Escalation on a schedule while the server runs (``caselink serve``).

``Escalator.loop`` runs one pass at once (a restarted server catches up on what fell due while
it was down), then one every ``interval``, until ``stop`` is set; a failing pass is logged and
the next one still runs. How it waits is injectable, so a test can move a clock instead of
sleeping. A pass is idempotent: escalation levels are a function of lateness
(``caselink.intel.escalation``), so the interval only bounds how soon a level is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

log = logging.getLogger("caselink.intel")

#: ``wait(stop, seconds)`` returns once ``seconds`` have passed or ``stop`` is set.
Wait = Callable[[asyncio.Event, float], Awaitable[None]]


async def real_wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


class Escalator:
    """Calls ``run_pass`` (blocking; run in a worker thread) now and then every ``interval``."""

    def __init__(self, run_pass: Callable[[], int], interval: timedelta, wait: Wait = real_wait) -> None:
        if interval <= timedelta(0):
            raise ValueError("the escalation interval must be longer than zero")
        self.run_pass = run_pass
        self.interval = interval
        self.wait = wait
        self.passes = 0
        self.escalated = 0
        self.failures = 0

    async def loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                self.escalated += await asyncio.to_thread(self.run_pass)
            except Exception:  # noqa: BLE001 - the server keeps serving; the next pass retries
                self.failures += 1
                log.exception("scheduled escalation failed; retrying in %s", self.interval)
            self.passes += 1
            await self.wait(stop, self.interval.total_seconds())
