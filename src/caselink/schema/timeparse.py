"""ISO 8601 parsing for case times: dates, datetimes, with or without offset.

A date without a time covers the whole day: as a start it means 00:00:00, as an end 23:59:59.
Times without an offset are taken as UTC. Canonical text is ``YYYY-MM-DD`` for dates and
``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` (UTC) for datetimes, so the same instant always has one spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
MIN_YEAR = 1800
MAX_YEAR = 2200


@dataclass(frozen=True, slots=True)
class Moment:
    """A parsed time: the instant (UTC, naive) and whether only a date was given."""

    start: datetime
    date_only: bool

    @property
    def end(self) -> datetime:
        """Latest instant covered: end of day for a date, the instant itself otherwise."""
        if self.date_only:
            return self.start + timedelta(days=1, seconds=-1)
        return self.start

    def canonical(self) -> str:
        if self.date_only:
            return self.start.date().isoformat()
        text = self.start.isoformat()
        return text + "Z"


def parse_moment(text: str) -> Moment:
    """Parse ISO 8601 text into a Moment; raise ValueError with a readable reason."""
    m = _ISO.match(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not an ISO 8601 date or datetime (e.g. 2014-06-19 or 2014-06-19T03:40:00Z)")
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{text!r}: year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    try:
        d = date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date ({exc})") from None
    if m.group(4) is None:
        return Moment(datetime(d.year, d.month, d.day), True)
    hour, minute = int(m.group(4)), int(m.group(5))
    second = int(m.group(6) or 0)
    frac = m.group(7) or ""
    micro = int((frac + "000000")[:6]) if frac else 0
    if hour == 24 and minute == 0 and second == 0 and micro == 0:
        base = datetime(d.year, d.month, d.day) + timedelta(days=1)
    else:
        try:
            base = datetime(d.year, d.month, d.day, hour, minute, second, micro)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a real time ({exc})") from None
    tz = m.group(8)
    if tz and tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:4] or 0)
        if oh > 23 or om > 59:
            raise ValueError(f"{text!r}: offset {tz} is not valid")
        base = base - sign * timedelta(hours=oh, minutes=om)
    return Moment(base, False)


def to_utc_naive(value: datetime) -> datetime:
    """Convert an aware datetime to naive UTC; naive values are taken as UTC already."""
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
