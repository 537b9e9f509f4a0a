"""预约: residents book a seat at a reception; past its capacity they join the waiting list, which
moves up when someone cancels.

Refusals are ``MeetingError`` (see ``storage.meeting_rules``). The meeting row is locked while a
booking is taken or given back, so two residents never get the last seat on PostgreSQL either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .meeting_rules import MeetingError
from .models import (
    Booking,
    BookingStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Resident,
)
from .reminders import DAYTIME, tomorrow_bounds

__all__ = [
    "MAX_BOOKING_TOPIC",
    "BookingResult",
    "book",
    "cancel_booking",
    "confirmed_count",
    "meeting_bookings",
    "resident_bookings",
    "bookable_receptions",
    "due_booking_reminders",
]

MAX_BOOKING_TOPIC = 200


@dataclass(frozen=True, slots=True)
class BookingResult:
    booking: Booking
    meeting: Meeting
    position: int  # 0 when confirmed, else the place on the waiting list (1 = next)
    promoted: Booking | None = None  # on cancellation: the waiting booking that moved up


async def _open_reception(session: AsyncSession, meeting_id: int, now: datetime) -> Meeting:
    meeting = await session.get(Meeting, meeting_id, with_for_update=True)
    if meeting is None or meeting.kind != MeetingKind.RECEPTION:
        raise MeetingError("not_bookable")
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError("already_cancelled")
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= now:
        raise MeetingError("already_started")
    return meeting


async def confirmed_count(session: AsyncSession, meeting_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Booking).where(
            Booking.meeting_id == meeting_id, Booking.status == BookingStatus.CONFIRMED
        )
    )
    return int(count or 0)


async def _waiting_position(session: AsyncSession, booking: Booking) -> int:
    ahead = await session.scalar(
        select(func.count()).select_from(Booking).where(
            Booking.meeting_id == booking.meeting_id,
            Booking.status == BookingStatus.WAITING,
            (Booking.created_at < booking.created_at)
            | ((Booking.created_at == booking.created_at) & (Booking.id < booking.id)),
        )
    )
    return int(ahead or 0) + 1


async def book(
    session: AsyncSession, meeting_id: int, resident: Resident, topic: str, now: datetime
) -> BookingResult:
    """A seat, or a place on the waiting list; a second booking by the same resident is refused."""
    meeting = await _open_reception(session, meeting_id, now)
    topic = " ".join(topic.split())
    if len(topic) > MAX_BOOKING_TOPIC:
        raise MeetingError("topic_too_long", limit=MAX_BOOKING_TOPIC)
    booking = await session.scalar(
        select(Booking).where(Booking.meeting_id == meeting.id, Booking.resident_id == resident.id)
    )
    if booking is not None and booking.status != BookingStatus.CANCELLED:
        raise MeetingError("already_booked")
    full = await confirmed_count(session, meeting.id) >= meeting.capacity
    status = BookingStatus.WAITING if full else BookingStatus.CONFIRMED
    if booking is None:
        booking = Booking(meeting_id=meeting.id, resident_id=resident.id)
        session.add(booking)
    booking.status, booking.topic, booking.created_at = status, topic, now
    booking.cancelled_at = booking.promoted_at = booking.reminded_at = None
    await session.flush()
    position = await _waiting_position(session, booking) if full else 0
    return BookingResult(booking, meeting, position)


async def cancel_booking(
    session: AsyncSession, booking_id: int, resident: Resident, now: datetime
) -> BookingResult:
    """Give a booking back; a freed seat goes to the first on the waiting list."""
    booking = await session.get(Booking, booking_id)
    if booking is None or booking.resident_id != resident.id:
        raise MeetingError("unknown_booking")
    if booking.status == BookingStatus.CANCELLED:
        raise MeetingError("booking_already_cancelled")
    meeting = await _open_reception(session, booking.meeting_id, now)
    freed = booking.status == BookingStatus.CONFIRMED
    booking.status, booking.cancelled_at = BookingStatus.CANCELLED, now
    await session.flush()
    promoted = None
    if freed and await confirmed_count(session, meeting.id) < meeting.capacity:
        promoted = await session.scalar(
            select(Booking)
            .where(Booking.meeting_id == meeting.id, Booking.status == BookingStatus.WAITING)
            .order_by(Booking.created_at, Booking.id)
            .limit(1)
        )
        if promoted is not None:
            promoted.status, promoted.promoted_at = BookingStatus.CONFIRMED, now
            await session.flush()
    return BookingResult(booking, meeting, 0, promoted)


async def meeting_bookings(session: AsyncSession, meeting_id: int) -> list[tuple[Booking, Resident]]:
    """Confirmed then waiting bookings of a meeting, in booking order."""
    rows = await session.execute(
        select(Booking, Resident)
        .join(Resident, Resident.id == Booking.resident_id)
        .where(Booking.meeting_id == meeting_id, Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.status, Booking.created_at, Booking.id)
    )
    return [(b, r) for b, r in rows]


async def resident_bookings(
    session: AsyncSession, resident_id: int, now: datetime
) -> list[tuple[Booking, Meeting]]:
    """A resident's active bookings of meetings that have not ended, soonest first."""
    rows = await session.execute(
        select(Booking, Meeting)
        .join(Meeting, Meeting.id == Booking.meeting_id)
        .where(
            Booking.resident_id == resident_id,
            Booking.status != BookingStatus.CANCELLED,
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.ends_at > now,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [(b, m) for b, m in rows]


async def bookable_receptions(
    session: AsyncSession, station_id: int, now: datetime, *, limit: int = 5
) -> list[Meeting]:
    """The station's next planned receptions that have not started."""
    rows = await session.scalars(
        select(Meeting)
        .where(
            Meeting.station_id == station_id,
            Meeting.kind == MeetingKind.RECEPTION,
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.starts_at > now,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )
    return list(rows)


async def due_booking_reminders(
    session: AsyncSession, now: datetime, tz: ZoneInfo
) -> list[tuple[Booking, Meeting, Resident]]:
    """Confirmed bookings of tomorrow's receptions not reminded yet; stamped here."""
    if not DAYTIME[0] <= now.astimezone(tz).time() < DAYTIME[1]:
        return []
    start, end = tomorrow_bounds(now, tz)
    rows = (await session.execute(
        select(Booking, Meeting, Resident)
        .join(Meeting, Meeting.id == Booking.meeting_id)
        .join(Resident, Resident.id == Booking.resident_id)
        .where(Booking.status == BookingStatus.CONFIRMED, Booking.reminded_at.is_(None),
               Meeting.status == MeetingStatus.PLANNED, Meeting.starts_at >= start,
               Meeting.starts_at < end, Resident.chat_id.is_not(None),
               Resident.forgotten_at.is_(None))
        .order_by(Meeting.starts_at, Booking.id)
        .with_for_update(of=Booking, skip_locked=True)
    )).all()
    for booking, _, _ in rows:
        booking.reminded_at = now
    await session.flush()
    return [(b, m, r) for b, m, r in rows]
