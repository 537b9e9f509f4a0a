"""What deputies are told about the meetings they are on: a meeting staff made, moved or cancelled
as soon as it is within a month (``Meeting.edited_at``), a planned one from the rhythm or an
import a week ahead, each once per change (``MeetingDeputy.notified_at`` is emptied by every
change, see ``storage.meeting_rules``); and a reminder the day before
(``MeetingDeputy.reminded_at``).
Only deputies who linked their Telegram account are written to; the rows are stamped in the
caller's transaction, together with the outbox messages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Deputy, DeputyResponse, Meeting, MeetingDeputy, MeetingStatus
from .reminders import DAYTIME, tomorrow_bounds

__all__ = ["HORIZON", "ROUTINE_NOTICE", "due_deputy_notices", "due_deputy_reminders"]

HORIZON = timedelta(days=31)  # staff changes
ROUTINE_NOTICE = timedelta(days=7)  # meetings from the plan or an import

Due = list[tuple[MeetingDeputy, Meeting, Deputy]]


def _daytime(now: datetime, tz: ZoneInfo) -> bool:
    return DAYTIME[0] <= now.astimezone(tz).time() < DAYTIME[1]


async def due_deputy_notices(session: AsyncSession, now: datetime, tz: ZoneInfo) -> Due:
    if not _daytime(now, tz):
        return []
    rows = (await session.execute(
        select(MeetingDeputy, Meeting, Deputy)
        .join(Meeting, Meeting.id == MeetingDeputy.meeting_id)
        .join(Deputy, Deputy.id == MeetingDeputy.deputy_id)
        .where(MeetingDeputy.notified_at.is_(None), Deputy.telegram_user_id.is_not(None),
               Deputy.active.is_(True), Meeting.status != MeetingStatus.HELD,
               Meeting.starts_at > now, Meeting.starts_at <= now + HORIZON,
               Meeting.edited_at.is_not(None) | (Meeting.starts_at <= now + ROUTINE_NOTICE))
        .order_by(Meeting.starts_at, Meeting.id, Deputy.id)
        .with_for_update(of=MeetingDeputy, skip_locked=True)
    )).all()
    for link, _, _ in rows:
        link.notified_at = now
    await session.flush()
    return [(link, m, d) for link, m, d in rows]


async def due_deputy_reminders(session: AsyncSession, now: datetime, tz: ZoneInfo) -> Due:
    if not _daytime(now, tz):
        return []
    start, end = tomorrow_bounds(now, tz)
    rows = (await session.execute(
        select(MeetingDeputy, Meeting, Deputy)
        .join(Meeting, Meeting.id == MeetingDeputy.meeting_id)
        .join(Deputy, Deputy.id == MeetingDeputy.deputy_id)
        .where(MeetingDeputy.reminded_at.is_(None), Deputy.telegram_user_id.is_not(None),
               Deputy.active.is_(True), Meeting.status == MeetingStatus.PLANNED,
               Meeting.starts_at >= start, Meeting.starts_at < end,
               (MeetingDeputy.response.is_(None))
               | (MeetingDeputy.response != DeputyResponse.DECLINED))
        .order_by(Meeting.starts_at, Meeting.id, Deputy.id)
        .with_for_update(of=MeetingDeputy, skip_locked=True)
    )).all()
    for link, _, _ in rows:
        link.reminded_at = now
    await session.flush()
    return [(link, m, d) for link, m, d in rows]
