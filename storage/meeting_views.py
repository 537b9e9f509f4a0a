"""Read models of the calendar: the staff list of coming meetings, one meeting's full card
(deputies and their answers, bookings, sign-ins), a deputy's agenda, stations found by a word."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    Booking,
    BookingStatus,
    CheckIn,
    Deputy,
    DeputyResponse,
    Meeting,
    MeetingDeputy,
    MeetingPhoto,
    MeetingStatus,
    Resident,
    Station,
    Suggestion,
)
from .staff_chats import StaffArea, in_area, station_in_area

__all__ = [
    "PAGE",
    "MeetingDetail",
    "coming_meetings",
    "meeting_detail",
    "deputy_agenda",
    "find_stations",
    "meeting_outside",
]

PAGE = 8


@dataclass(frozen=True, slots=True)
class MeetingDetail:
    meeting: Meeting
    station: Station
    deputies: tuple[tuple[Deputy, DeputyResponse | None, bool], ...]  # (deputy, answer, signed in)
    confirmed: tuple[tuple[Booking, Resident], ...]
    waiting: tuple[tuple[Booking, Resident], ...]
    resident_check_ins: int
    suggestions: tuple[Suggestion, ...]
    photos: int

    @property
    def attendance(self) -> int:
        """People present: residents signed in plus walk-ins (deputies are counted apart)."""
        return self.resident_check_ins + self.meeting.walk_ins


async def coming_meetings(
    session: AsyncSession, now: datetime, *, page: int = 0, station_id: int | None = None,
    town_code: str | None = None, area: StaffArea | None = None,
) -> tuple[list[tuple[Meeting, Station]], bool]:
    """Planned meetings that have not ended, soonest first, one page; and whether more follow.
    ``area``: only a staff group's area (``storage.staff_chats``)."""
    query = (
        select(Meeting, Station)
        .join(Station, Station.id == Meeting.station_id)
        .where(Meeting.status == MeetingStatus.PLANNED, Meeting.ends_at > now,
               in_area(area, Station.id))
    )
    if station_id is not None:
        query = query.where(Meeting.station_id == station_id)
    if town_code is not None:
        query = query.where(Station.town_code == town_code)
    rows = (await session.execute(
        query.order_by(Meeting.starts_at, Meeting.id).offset(page * PAGE).limit(PAGE + 1)
    )).all()
    return [(m, s) for m, s in rows[:PAGE]], len(rows) > PAGE


async def meeting_detail(session: AsyncSession, meeting_id: int) -> MeetingDetail | None:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    station = await session.get(Station, meeting.station_id)
    assert station is not None
    signed = set(await session.scalars(select(CheckIn.deputy_id).where(
        CheckIn.meeting_id == meeting_id, CheckIn.kind == "deputy")))
    on_it = (await session.execute(
        select(Deputy, MeetingDeputy.response)
        .join(MeetingDeputy, MeetingDeputy.deputy_id == Deputy.id)
        .where(MeetingDeputy.meeting_id == meeting_id).order_by(Deputy.name, Deputy.id)
    )).all()
    bookings = (await session.execute(
        select(Booking, Resident).join(Resident, Resident.id == Booking.resident_id)
        .where(Booking.meeting_id == meeting_id, Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.created_at, Booking.id)
    )).all()
    residents = await session.scalar(select(func.count()).select_from(CheckIn).where(
        CheckIn.meeting_id == meeting_id, CheckIn.kind == "resident"))
    suggestions = (await session.scalars(
        select(Suggestion).where(Suggestion.meeting_id == meeting_id).order_by(Suggestion.id)
    )).all()
    photos = await session.scalar(select(func.count()).select_from(MeetingPhoto).where(
        MeetingPhoto.meeting_id == meeting_id))
    return MeetingDetail(
        meeting, station,
        tuple((d, r, d.id in signed) for d, r in on_it),
        tuple((b, r) for b, r in bookings if b.status == BookingStatus.CONFIRMED),
        tuple((b, r) for b, r in bookings if b.status == BookingStatus.WAITING),
        int(residents or 0), tuple(suggestions), int(photos or 0),
    )


async def deputy_agenda(
    session: AsyncSession, deputy_id: int, now: datetime, *, limit: int = 10
) -> list[tuple[Meeting, Station, DeputyResponse | None]]:
    rows = await session.execute(
        select(Meeting, Station, MeetingDeputy.response)
        .join(MeetingDeputy, MeetingDeputy.meeting_id == Meeting.id)
        .join(Station, Station.id == Meeting.station_id)
        .where(MeetingDeputy.deputy_id == deputy_id, Meeting.status == MeetingStatus.PLANNED,
               Meeting.ends_at > now)
        .order_by(Meeting.starts_at, Meeting.id).limit(limit)
    )
    return [(m, s, r) for m, s, r in rows]


async def find_stations(
    session: AsyncSession, words: str, *, limit: int = 8, area: StaffArea | None = None
) -> list[Station]:
    """Stations whose code is ``words`` or whose name contains it (of ``area`` only, if given)."""
    words = words.strip()
    if not words:
        return []
    like = f"%{words}%"
    rows = await session.scalars(
        select(Station).where(or_(Station.code == words, Station.name.like(like)),
                              in_area(area, Station.id))
        .order_by(Station.kind, Station.code).limit(limit)
    )
    return list(rows)


async def meeting_outside(session: AsyncSession, meeting_id: int, area: StaffArea | None) -> bool:
    """Is this meeting at a station outside the staff group's area? (An unknown meeting is
    not: the action itself says it does not exist.)"""
    if area is None or area.whole:
        return False
    station_id = await session.scalar(select(Meeting.station_id).where(Meeting.id == meeting_id))
    return station_id is not None and not await station_in_area(session, area, station_id)
