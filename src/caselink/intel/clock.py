"""A controllable clock: every intel deadline reads the time from one injectable function.

Tests and the demo pass a ``ManualClock`` and move it forward; the CLI uses the system clock,
or a fixed time from ``CASELINK_NOW`` (ISO 8601, UTC) so that a deadline can be shown on demand.
Times are naive UTC, like every TIMESTAMP in the store.

Example:
    >>> clock = ManualClock(datetime(2026, 1, 1, 9, 0))
    >>> clock.advance(hours=25)
    >>> clock()
    datetime.datetime(2026, 1, 2, 10, 0)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from caselink.errors import ConfigError

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, naive UTC, to the second."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def parse_utc(text: str, what: str) -> datetime:
    """An ISO 8601 date or datetime as naive UTC (an offset is converted; none means UTC)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{what}: {text!r} is not an ISO 8601 date or datetime") from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def __call__(self) -> datetime:
        return self._now

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0) -> None:
        self._now += timedelta(days=days, hours=hours, minutes=minutes)

    def set(self, moment: datetime) -> None:
        self._now = moment


def default_clock() -> Clock:
    """``CASELINK_NOW`` as a fixed clock if set, else the system clock."""
    fixed = os.environ.get("CASELINK_NOW")
    if fixed:
        return ManualClock(parse_utc(fixed, "CASELINK_NOW"))
    return system_clock
