"""The day-before reminder of a station's meetings, for subscribers who asked for reminders.

``send_due_reminders`` finds tomorrow's planned public meetings (in the district's time zone),
writes one outbox message per subscriber that has not had this meeting's reminder yet, records
each as a ``Delivery`` of the meeting's reminder ``Broadcast`` (its primary key makes a second
reminder impossible, even across restarts or two workers) and stamps ``Meeting.reminded_at``.
Reminders go out only in the daytime window, so nobody is woken at midnight.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Broadcast, Delivery, Meeting, MeetingStatus, Resident, Subscription
from .outbox import OutboxPurpose, enqueue
from .stations import PUBLIC_KINDS, MeetingView, load_meeting

__all__ = ["REMINDER_KIND", "DAYTIME", "tomorrow_bounds", "send_due_reminders"]

REMINDER_KIND = "reminder"
DAYTIME = (time(8, 0), time(21, 30))  # local hours in which reminders are written

# (meeting, recipient) -> the Bot API sendMessage parameters (chat_id added here)
Render = Callable[[MeetingView, Resident], dict[str, Any]]


def tomorrow_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of tomorrow in ``tz``, as aware datetimes."""
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), tz)
    return start, datetime.combine(tomorrow + timedelta(days=1), time(0), tz)


async def _broadcast_for(session: AsyncSession, meeting: Meeting, now: datetime) -> Broadcast:
    found = await session.scalar(
        select(Broadcast).where(
            Broadcast.meeting_id == meeting.id, Broadcast.kind == REMINDER_KIND
        )
    )
    if found is None:
        found = Broadcast(
            station_id=meeting.station_id, meeting_id=meeting.id, kind=REMINDER_KIND,
            created_at=now,
        )
        session.add(found)
        await session.flush()
    return found


async def _recipients(session: AsyncSession, meeting: Meeting, broadcast_id: int) -> list[Resident]:
    already = exists().where(
        Delivery.broadcast_id == broadcast_id, Delivery.resident_id == Resident.id
    )
    query = (
        select(Resident)
        .join(Subscription, Subscription.resident_id == Resident.id)
        .where(
            Subscription.station_id == meeting.station_id,
            Subscription.remind.is_(True),
            Resident.chat_id.is_not(None),
            Resident.blocked_at.is_(None),
            Resident.forgotten_at.is_(None),
            ~already,
        )
        .order_by(Resident.id)
    )
    return list((await session.scalars(query)).all())


async def send_due_reminders(
    session: AsyncSession, now: datetime, tz: ZoneInfo, render: Render
) -> int:
    """Enqueue the reminders due now; returns how many were written."""
    local = now.astimezone(tz).time()
    if not DAYTIME[0] <= local < DAYTIME[1]:
        return 0
    start, end = tomorrow_bounds(now, tz)
    meetings = (
        await session.scalars(
            select(Meeting)
            .where(
                Meeting.status == MeetingStatus.PLANNED,
                Meeting.kind.in_(PUBLIC_KINDS),
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .with_for_update(skip_locked=True)
        )
    ).all()
    written = 0
    for meeting in meetings:
        broadcast = await _broadcast_for(session, meeting, now)
        recipients = await _recipients(session, meeting, broadcast.id)
        view = await load_meeting(session, meeting.id) if recipients else None
        for resident in recipients:
            assert view is not None and resident.chat_id is not None
            payload = {**render(view, resident), "chat_id": resident.chat_id}
            row = await enqueue(
                session, chat_id=resident.chat_id, method="sendMessage", payload=payload,
                purpose=OutboxPurpose.MEETING_REMINDER, resident_id=resident.id, now=now,
            )
            written += row is not None
            session.add(Delivery(
                broadcast_id=broadcast.id, resident_id=resident.id,
                outbox_id=row.id if row is not None else None,
            ))
        if meeting.reminded_at is None:
            meeting.reminded_at = now
    await session.flush()
    return written
