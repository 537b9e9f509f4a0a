"""签到: a deputy or a resident signs in at a meeting by its deep link (the QR on the wall), once.

A deputy's sign-in is an attendance; a resident's is a contact with voters (the resident has
given consent at onboarding). The link works only on the meeting's day, in the district's time
zone, and never for a cancelled meeting. Staff add people without Telegram as ``walk_ins``.
Refusals are ``MeetingError`` with one sentence each; nothing else changes.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .meeting_rules import MeetingError
from .models import (
    CheckIn,
    DeputyStation,
    Meeting,
    MeetingDeputy,
    MeetingStatus,
    Resident,
)

__all__ = [
    "CHECKIN_PREFIX",
    "MAX_WALK_INS",
    "checkin_payload",
    "meeting_by_token",
    "check_in_deputy",
    "check_in_resident",
    "add_walk_ins",
]

CHECKIN_PREFIX = "ci_"  # /start payload: ci_<token>
MAX_WALK_INS = 500


def checkin_payload(token: str) -> str:
    return f"{CHECKIN_PREFIX}{token}"


async def meeting_by_token(session: AsyncSession, token: str) -> Meeting | None:
    if not token or len(token) > 24:
        return None
    return await session.scalar(select(Meeting).where(Meeting.checkin_token == token))


async def _open_today(session: AsyncSession, token: str, now: datetime, tz: ZoneInfo) -> Meeting:
    meeting = await meeting_by_token(session, token)
    if meeting is None:
        raise MeetingError("unknown_meeting")
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError("checkin_cancelled")
    if meeting.starts_at.astimezone(tz).date() != now.astimezone(tz).date():
        raise MeetingError("checkin_wrong_day", day=f"{meeting.starts_at.astimezone(tz):%Y-%m-%d}")
    return meeting


async def check_in_deputy(
    session: AsyncSession, token: str, deputy_id: int, now: datetime, tz: ZoneInfo,
    *, via: str = "link",
) -> tuple[Meeting, CheckIn]:
    """A deputy on the meeting, or of its station, signs in (an attendance)."""
    meeting = await _open_today(session, token, now, tz)
    on_it = await session.get(MeetingDeputy, (meeting.id, deputy_id))
    of_station = await session.get(DeputyStation, (deputy_id, meeting.station_id))
    if on_it is None and of_station is None:
        raise MeetingError("deputy_not_of_station")
    found = await session.scalar(
        select(CheckIn).where(CheckIn.meeting_id == meeting.id, CheckIn.deputy_id == deputy_id)
    )
    if found is not None:
        raise MeetingError("already_checked_in")
    row = CheckIn(meeting_id=meeting.id, deputy_id=deputy_id, kind="deputy", at=now, via=via)
    session.add(row)
    await session.flush()
    return meeting, row


async def check_in_resident(
    session: AsyncSession, token: str, resident: Resident, now: datetime, tz: ZoneInfo
) -> tuple[Meeting, CheckIn]:
    """A resident who has given consent signs in (a contact with voters), once per meeting."""
    if resident.consent_at is None or resident.forgotten_at is not None:
        raise MeetingError("consent_needed")
    meeting = await _open_today(session, token, now, tz)
    found = await session.scalar(
        select(CheckIn).where(CheckIn.meeting_id == meeting.id, CheckIn.resident_id == resident.id)
    )
    if found is not None:
        raise MeetingError("already_checked_in")
    row = CheckIn(meeting_id=meeting.id, resident_id=resident.id, kind="resident", at=now,
                  via="link")
    session.add(row)
    await session.flush()
    return meeting, row


async def add_walk_ins(session: AsyncSession, meeting_id: int, count: int) -> Meeting:
    """Staff count people without Telegram (a number, added to what is there)."""
    meeting = await session.get(Meeting, meeting_id, with_for_update=True)
    if meeting is None:
        raise MeetingError("unknown_meeting")
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError("already_cancelled")
    if not 1 <= count <= MAX_WALK_INS or meeting.walk_ins + count > MAX_WALK_INS:
        raise MeetingError("bad_walk_ins", limit=MAX_WALK_INS)
    meeting.walk_ins += count
    await session.flush()
    return meeting
