"""The district's activity figures from the calendar tables (for reports and ``jiazhan archive``).

* ``meetings_held``: meetings with status ``held`` that started in the period;
* ``deputy_attendances``: deputy ``CheckIn`` rows at those held meetings (代表参加人次);
* ``voter_contacts``: resident ``CheckIn`` rows plus ``Meeting.walk_ins`` at held meetings
  (联系选民人次);
* ``bookings``: confirmed ``Booking`` rows of meetings in the period (not cancelled, not waiting);
* ``on_behalf``: suggestions recorded on behalf (代录) created in the period.

``station_ids`` narrows every figure to those stations (None: everything).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Booking, BookingStatus, CheckIn, Meeting, MeetingStatus, Suggestion

__all__ = ["CalendarCounts", "calendar_counts"]


@dataclass(frozen=True, slots=True)
class CalendarCounts:
    meetings_held: int
    deputy_attendances: int
    voter_contacts: int
    bookings: int
    on_behalf: int


def _held(start: datetime, end: datetime, station_ids: Collection[int] | None) -> Any:
    query = select(Meeting.id).where(
        Meeting.status == MeetingStatus.HELD, Meeting.starts_at >= start, Meeting.starts_at < end
    )
    if station_ids is not None:
        query = query.where(Meeting.station_id.in_(list(station_ids)))
    return query


async def _count(session: AsyncSession, query: Any) -> int:
    return int(await session.scalar(query) or 0)


async def calendar_counts(
    session: AsyncSession, start: datetime, end: datetime,
    station_ids: Collection[int] | None = None,
) -> CalendarCounts:
    held = _held(start, end, station_ids)
    held_n = await _count(session, select(func.count()).select_from(held.subquery()))
    checkins = select(func.count()).select_from(CheckIn).where(CheckIn.meeting_id.in_(held))
    deputies = await _count(session, checkins.where(CheckIn.kind == "deputy"))
    residents = await _count(session, checkins.where(CheckIn.kind == "resident"))
    walk_ins = await _count(
        session, select(func.coalesce(func.sum(Meeting.walk_ins), 0)).where(Meeting.id.in_(held))
    )
    in_period = select(Meeting.id).where(Meeting.starts_at >= start, Meeting.starts_at < end)
    if station_ids is not None:
        in_period = in_period.where(Meeting.station_id.in_(list(station_ids)))
    bookings = await _count(session, select(func.count()).select_from(Booking).where(
        Booking.meeting_id.in_(in_period), Booking.status == BookingStatus.CONFIRMED
    ))
    behalf = select(func.count()).select_from(Suggestion).where(
        Suggestion.on_behalf.is_(True), Suggestion.created_at >= start, Suggestion.created_at < end
    )
    if station_ids is not None:
        behalf = behalf.where(Suggestion.station_id.in_(list(station_ids)))
    return CalendarCounts(held_n, deputies, residents + walk_ins, bookings,
                          await _count(session, behalf))
