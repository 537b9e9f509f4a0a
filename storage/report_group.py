"""The report in staff groups: which period a button means, and the weekly summary's schedule
and stamps.

Periods are whole days in the district's zone. The current month, quarter and year run from
their first day to today; the previous ones are complete. The weekly summary covers the last
complete week, Monday to Sunday. The audit log doubles as the weekly stamp (as for the daily
digest): a ``report.weekly`` entry for a group and a week means that summary is written, so
restarts and repeated job runs send it once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .models import AuditEntry, StaffChat
from .report import ReportScope
from .roles import Actor
from .staff_chats import StaffArea, area_station_ids

__all__ = ["PERIODS", "WEEKDAYS", "WEEKLY_WINDOW", "period_dates", "last_week", "area_scope",
           "weekly_due", "weekly_sent", "mark_weekly_sent", "staff_group_ids",
           "parse_weekly"]

# Button codes: this / the previous month, quarter, year (callback data: ASCII, short).
PERIODS = ("m0", "q0", "y0", "m1", "q1", "y1")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKLY_WINDOW = timedelta(hours=12)  # sent within this long after the set time, else skipped
_ACTION = "report.weekly"


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def period_dates(code: str, today: date) -> tuple[date, date] | None:
    """(first, last day) for a button code; None for a code that is not one."""
    if code not in PERIODS:
        return None
    kind, back = code[0], int(code[1])
    if kind == "m":
        first = _month_start(today, back)
        months = 1
    elif kind == "q":
        first = _month_start(today, (today.month - 1) % 3 + 3 * back)
        months = 3
    else:
        first = date(today.year - back, 1, 1)
        months = 12
    if back == 0:
        return first, today
    after = _month_start(first, -months)
    return first, after - timedelta(days=1)


def last_week(today: date) -> tuple[date, date]:
    """The last complete week before ``today``'s, Monday to Sunday."""
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


async def area_scope(session: AsyncSession, area: StaffArea) -> ReportScope:
    """The report's scope for a staff group's area (every station for the whole area)."""
    ids = await area_station_ids(session, area)
    return ReportScope(None if ids is None else sorted(ids))


def parse_weekly(text: str) -> tuple[int, time] | None:
    """``mon 09:00`` → (0, 09:00); ``off`` → None. ValueError for anything else."""
    words = text.strip().lower().split()
    if words == ["off"]:
        return None
    if len(words) != 2 or words[0][:3] not in WEEKDAYS:
        raise ValueError("expected a day and a time, e.g. 'mon 09:00', or 'off'")
    return WEEKDAYS.index(words[0][:3]), time.fromisoformat(words[1])


def weekly_due(now: datetime, tz: ZoneInfo, schedule: tuple[int, time] | None,
               window: timedelta = WEEKLY_WINDOW) -> date | None:
    """The Monday of the week to summarise when it is weekly-summary time (the set day, from the
    set local time for ``window``); None otherwise or when the summary is off."""
    if schedule is None:
        return None
    weekday, at = schedule
    local = now.astimezone(tz)
    if local.weekday() != weekday:
        return None
    start = datetime.combine(local.date(), at, tzinfo=tz)
    if not start <= local < start + window:
        return None
    return last_week(local.date())[0]


def _stamp(chat_id: int, monday: date) -> str:
    return f"{chat_id}@{monday.isoformat()}"


async def weekly_sent(session: AsyncSession, chat_id: int, monday: date) -> bool:
    found = await session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == _ACTION, AuditEntry.object_kind == "chat",
        AuditEntry.object_id == _stamp(chat_id, monday)).limit(1))
    return found is not None


def mark_weekly_sent(session: AsyncSession, chat_id: int, monday: date, now: datetime) -> None:
    audit.record(session, Actor.system(), _ACTION, "chat", _stamp(chat_id, monday), now=now,
                 week=monday.isoformat())


async def staff_group_ids(session: AsyncSession, default: int | None) -> list[int]:
    """Every staff group: the default one first, then the bound ones."""
    bound = [int(c) for c in await session.scalars(select(StaffChat.chat_id).order_by(
        StaffChat.chat_id))]
    return ([default] if default is not None else []) + [c for c in bound if c != default]
