"""Closing a meeting (as Decidim closes one): minutes, photos and attendance, planned → held.

After a planned meeting ends, its area's staff group gets a card asking to close it; if it is
still open 3 and 7 days after its end, a reminder (``Meeting.close_reminders`` counts the card
and the reminders: 0 → card due, 1 → first reminder due at +3 days, 2 → second at +7 days).
The demo district's meetings are asked about only once someone used them in the bot (staff
changed them, residents booked or signed in), so trying the demo does not flood the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .meeting_rules import MeetingError
from .models import Booking, CheckIn, Meeting, MeetingPhoto, MeetingStatus

__all__ = ["MAX_MINUTES", "MAX_PHOTOS", "REMIND_AFTER", "close_meeting", "due_close_notices"]

MAX_MINUTES = 4000
MAX_PHOTOS = 10
REMIND_AFTER = (timedelta(0), timedelta(days=3), timedelta(days=7))
_LOOK_BACK = timedelta(days=30)  # older unclosed meetings are left to the archive's staff


async def close_meeting(
    session: AsyncSession, meeting_id: int, *, minutes: str, photos: Sequence[tuple[str, str]],
    closed_by: int | None, now: datetime,
) -> Meeting:
    """Record the minutes and photos of a meeting that has ended; it is then held."""
    meeting = await session.get(Meeting, meeting_id, with_for_update=True)
    if meeting is None:
        raise MeetingError("unknown_meeting")
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError("already_cancelled")
    if meeting.status == MeetingStatus.HELD:
        raise MeetingError("already_held")
    if meeting.ends_at > now:
        raise MeetingError("not_ended")
    text = minutes.strip()
    if not text:
        raise MeetingError("minutes_missing")
    if len(text) > MAX_MINUTES:
        raise MeetingError("minutes_too_long", limit=MAX_MINUTES)
    if len(photos) > MAX_PHOTOS:
        raise MeetingError("too_many_photos", limit=MAX_PHOTOS)
    meeting.minutes, meeting.status = text, MeetingStatus.HELD
    meeting.closed_at, meeting.closed_by = now, closed_by
    session.add_all(MeetingPhoto(meeting_id=meeting.id, file_id=f, file_unique_id=u, created_at=now)
                    for f, u in photos)
    await session.flush()
    return meeting


async def due_close_notices(session: AsyncSession, now: datetime) -> list[tuple[Meeting, int]]:
    """Ended planned meetings owed a close card (stage 0) or a reminder (1, 2); each is counted
    as sent here, in the caller's transaction."""
    meetings = (await session.scalars(
        select(Meeting).where(
            Meeting.status == MeetingStatus.PLANNED, Meeting.ends_at <= now,
            Meeting.ends_at > now - _LOOK_BACK, Meeting.close_reminders < len(REMIND_AFTER),
            Meeting.is_demo.is_(False) | Meeting.edited_at.is_not(None)
            | select(Booking.id).where(Booking.meeting_id == Meeting.id).exists()
            | select(CheckIn.id).where(CheckIn.meeting_id == Meeting.id).exists(),
        ).order_by(Meeting.ends_at, Meeting.id).with_for_update(skip_locked=True)
    )).all()
    due = []
    for meeting in meetings:
        stage = meeting.close_reminders
        if meeting.ends_at + REMIND_AFTER[stage] <= now:
            meeting.close_reminders = stage + 1
            due.append((meeting, stage))
    await session.flush()
    return due
