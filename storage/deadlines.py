"""Deadlines for a suggestion, counted in calendar days in the district's time zone.

Rule: a deadline of N days for something that arrived on local day D falls due at the *end* of
local day D + N, i.e. at 00:00 local time on day D + N + 1. A suggestion written at 23:50 on
Monday with a 3-day first-response deadline is due by the end of Thursday, the same as one
written at 08:00 on Monday: what counts is the day, as people in the district say it ("三天内答复").
Days are calendar days; public holidays are not skipped (there is no holiday calendar yet).
Times are stored in UTC; it is overdue from the due instant on (``now >= due``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["Deadlines", "DEFAULT_TZ", "local_day_start", "local_date"]

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("deadlines need timezone-aware datetimes")
    return moment


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar day ``moment`` falls on in ``tz``."""
    return _aware(moment).astimezone(tz).date()


def local_day_start(day: date, tz: ZoneInfo) -> datetime:
    """00:00 of ``day`` in ``tz``, as an aware UTC datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Deadlines:
    first_response_days: int = 3
    resolution_days: int = 15
    tz: ZoneInfo = field(default=DEFAULT_TZ)

    def __post_init__(self) -> None:
        if self.first_response_days < 0 or self.resolution_days < 0:
            raise ValueError("deadline days cannot be negative")
        if self.resolution_days < self.first_response_days:
            raise ValueError("the resolution deadline cannot come before the first response")

    def due(self, start: datetime, days: int) -> datetime:
        """End of local day (day of ``start``) + ``days``, in UTC."""
        return local_day_start(local_date(start, self.tz) + timedelta(days=days + 1), self.tz)

    def first_response_due(self, created: datetime) -> datetime:
        return self.due(created, self.first_response_days)

    def resolution_due(self, start: datetime) -> datetime:
        return self.due(start, self.resolution_days)

    def today_start(self, now: datetime) -> datetime:
        """00:00 today in the district, in UTC (for daily limits and digests)."""
        return local_day_start(local_date(now, self.tz), self.tz)

    def year(self, now: datetime) -> int:
        """The district's calendar year at ``now`` (ticket numbers use it)."""
        return local_date(now, self.tz).year
