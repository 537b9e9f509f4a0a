"""The report's periods in staff groups and the weekly summary's schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from storage.report_group import last_week, parse_weekly, period_dates, weekly_due

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("code", "today", "first", "last"), [
    ("m0", date(2026, 11, 25), date(2026, 11, 1), date(2026, 11, 25)),
    ("q0", date(2026, 11, 25), date(2026, 10, 1), date(2026, 11, 25)),
    ("y0", date(2026, 11, 25), date(2026, 1, 1), date(2026, 11, 25)),
    ("m1", date(2026, 11, 25), date(2026, 10, 1), date(2026, 10, 31)),
    ("m1", date(2026, 1, 5), date(2025, 12, 1), date(2025, 12, 31)),
    ("m1", date(2024, 3, 31), date(2024, 2, 1), date(2024, 2, 29)),
    ("q1", date(2026, 2, 5), date(2025, 10, 1), date(2025, 12, 31)),
    ("q1", date(2026, 11, 25), date(2026, 7, 1), date(2026, 9, 30)),
    ("q0", date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31)),
    ("y1", date(2026, 1, 1), date(2025, 1, 1), date(2025, 12, 31)),
])
def test_periods(code: str, today: date, first: date, last: date) -> None:
    assert period_dates(code, today) == (first, last)


@pytest.mark.parametrize("code", ["", "m", "m2", "w0", "M0", "m0 ", "y-1"])
def test_a_code_that_is_not_a_period(code: str) -> None:
    assert period_dates(code, date(2026, 11, 25)) is None


def test_last_week_is_the_last_complete_monday_to_sunday() -> None:
    assert last_week(date(2026, 11, 30)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert last_week(date(2026, 12, 6)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert last_week(date(2026, 1, 1)) == (date(2025, 12, 22), date(2025, 12, 28))


def test_the_weekly_setting() -> None:
    assert parse_weekly("mon 09:00") == (0, time(9, 0))
    assert parse_weekly("Friday 17:30") == (4, time(17, 30))
    assert parse_weekly("off") is None
    for bad in ("", "mon", "09:00 mon", "xyz 09:00", "mon 25:00", "mon 9"):
        with pytest.raises(ValueError):
            parse_weekly(bad)


def test_weekly_due_on_its_day_from_its_hour_for_twelve_hours() -> None:
    monday_9 = (0, time(9, 0))

    def at(d: int, h: int, m: int = 0) -> datetime:
        return datetime(2026, 11, d, h, m, tzinfo=TZ).astimezone(UTC)

    assert weekly_due(at(30, 8, 59), TZ, monday_9) is None
    assert weekly_due(at(30, 9, 0), TZ, monday_9) == date(2026, 11, 23)
    assert weekly_due(at(30, 20, 59), TZ, monday_9) == date(2026, 11, 23)
    assert weekly_due(at(30, 21, 0), TZ, monday_9) is None
    assert weekly_due(at(29, 9, 30), TZ, monday_9) is None  # Sunday
    assert weekly_due(at(30, 9, 30), TZ, None) is None  # off
    # Monday 00:30 in Beijing is still Sunday in UTC: the district's zone decides.
    assert weekly_due(at(30, 0, 30), TZ, (0, time(0, 0))) == date(2026, 11, 23)
