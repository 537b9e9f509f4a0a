"""How a meeting is scheduled, changed, cancelled and answered by its deputies.

Every refusal is a ``MeetingError`` whose ``reason`` names one sentence in the ``calendar``
catalogue (``errors.<reason>``); a refused call changes nothing. Staff changes stamp
``edited_at`` (the plan then leaves the meeting alone) and empty ``announced_at`` (subscribers are
told) and the deputies' ``notified_at`` (the deputies are told, see ``storage.deputy_notices``).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    DEFAULT_CAPACITY,
    DeputyResponse,
    DeputyStation,
    Meeting,
    MeetingDeputy,
    MeetingKind,
    MeetingStatus,
    Station,
)

__all__ = [
    "MeetingError",
    "MAX_TOPIC",
    "MAX_PLACE",
    "create_meeting",
    "move_meeting",
    "edit_meeting",
    "cancel_meeting",
    "respond",
    "ensure_checkin_token",
    "check_times",
    "find_overlap",
    "parse_when",
]

MAX_TOPIC = 256
MAX_PLACE = 256
MAX_CAPACITY = 500


class MeetingError(Exception):
    """A refused calendar operation: ``reason`` is a catalogue key, ``fields`` its values."""

    def __init__(self, reason: str, **fields: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = fields


_WHEN = re.compile(
    r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s+(\d{1,2})[:：](\d{2})"
    r"\s*(?:-|–|—|~|～|至|到)\s*(\d{1,2})[:：](\d{2})\s*$"
)


def parse_when(text: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``2027-01-15 14:00-16:00`` (also ``2027/1/15 14:00–16:00``, ``2027年1月15日 14:00至16:00``)
    in the district's time zone; ``MeetingError("bad_when")`` otherwise."""
    found = _WHEN.match(unicodedata.normalize("NFKC", text).replace("：", ":"))
    if found is None:
        raise MeetingError("bad_when")
    year, month, day, h1, m1, h2, m2 = (int(g) for g in found.groups())
    try:
        starts = datetime(year, month, day, h1, m1, tzinfo=tz)
        ends = datetime(year, month, day, h2, m2, tzinfo=tz)
    except ValueError:
        raise MeetingError("bad_when") from None
    return starts, ends


def check_times(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise MeetingError("in_the_past")
    if ends_at <= starts_at:
        raise MeetingError("ends_before_start")


async def find_overlap(
    session: AsyncSession, station_id: int, starts_at: datetime, ends_at: datetime,
    *, ignore_id: int | None = None,
) -> Meeting | None:
    """A planned or held meeting of the station that overlaps the given time, if any."""
    query = select(Meeting).where(
        Meeting.station_id == station_id,
        Meeting.status != MeetingStatus.CANCELLED,
        Meeting.starts_at < ends_at,
        Meeting.ends_at > starts_at,
    )
    if ignore_id is not None:
        query = query.where(Meeting.id != ignore_id)
    return (await session.scalars(query.order_by(Meeting.starts_at).limit(1))).first()


async def _check_free(
    session: AsyncSession, station_id: int, starts_at: datetime, ends_at: datetime,
    ignore_id: int | None = None,
) -> None:
    other = await find_overlap(session, station_id, starts_at, ends_at, ignore_id=ignore_id)
    if other is not None:
        raise MeetingError("overlap", code=other.code, starts_at=other.starts_at)


async def _check_deputies(session: AsyncSession, station_id: int, deputy_ids: Sequence[int]) -> None:
    if not deputy_ids:
        return
    of_station = set(
        await session.scalars(
            select(DeputyStation.deputy_id).where(
                DeputyStation.station_id == station_id,
                DeputyStation.deputy_id.in_(list(deputy_ids)),
            )
        )
    )
    strangers = [d for d in deputy_ids if d not in of_station]
    if strangers:
        raise MeetingError("deputy_not_of_station", deputy_id=strangers[0])


def _clean(text: str, limit: int, reason: str) -> str:
    value = " ".join(text.split())
    if len(value) > limit:
        raise MeetingError(reason, limit=limit)
    return value


async def _unique_code(session: AsyncSession, base: str) -> str:
    code, n = base, 1
    while await session.scalar(select(Meeting.id).where(Meeting.code == code)) is not None:
        n += 1
        code = f"{base}-{n}"
    return code


def ensure_checkin_token(meeting: Meeting) -> str:
    """The meeting's sign-in token, made the first time it is needed."""
    if meeting.checkin_token is None:
        meeting.checkin_token = secrets.token_urlsafe(12)
    return meeting.checkin_token


async def create_meeting(
    session: AsyncSession,
    *,
    station_id: int,
    kind: MeetingKind,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    place: str = "",
    topic: str = "",
    deputy_ids: Sequence[int] = (),
    capacity: int = DEFAULT_CAPACITY,
) -> Meeting:
    """A one-off meeting made by staff (checked: time, overlap, deputies of the station)."""
    station = await session.get(Station, station_id)
    if station is None:
        raise MeetingError("unknown_station")
    check_times(starts_at, ends_at, now)
    if not 1 <= capacity <= MAX_CAPACITY:
        raise MeetingError("bad_capacity", limit=MAX_CAPACITY)
    place = _clean(place, MAX_PLACE, "place_too_long") or station.address
    topic = _clean(topic, MAX_TOPIC, "topic_too_long")
    await _check_free(session, station_id, starts_at, ends_at)
    await _check_deputies(session, station_id, deputy_ids)
    code = await _unique_code(session, f"{station.code}-M{starts_at:%Y%m%d%H%M}")
    meeting = Meeting(
        code=code, station_id=station_id, kind=kind, starts_at=starts_at, ends_at=ends_at,
        place=place, topic=topic, status=MeetingStatus.PLANNED, capacity=capacity,
        person_in_charge=station.person_in_charge, edited_at=now, walk_ins=0, minutes="",
        close_reminders=0, notes="", is_demo=False,
    )
    ensure_checkin_token(meeting)
    session.add(meeting)
    await session.flush()
    session.add_all(MeetingDeputy(meeting_id=meeting.id, deputy_id=d) for d in dict.fromkeys(deputy_ids))
    await session.flush()
    return meeting


async def _planned(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id, with_for_update=True)
    if meeting is None:
        raise MeetingError("unknown_meeting")
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError("already_cancelled")
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError("already_held")
    return meeting


async def _renotify(session: AsyncSession, meeting_id: int, *, reset_answers: bool) -> None:
    for row in await session.scalars(
        select(MeetingDeputy).where(MeetingDeputy.meeting_id == meeting_id)
    ):
        row.notified_at = None
        row.reminded_at = None
        if reset_answers:
            row.response = None
            row.responded_at = None


async def move_meeting(
    session: AsyncSession, meeting_id: int, starts_at: datetime, ends_at: datetime, now: datetime
) -> Meeting:
    """A new time for a planned meeting; deputies answer again, subscribers are told."""
    meeting = await _planned(session, meeting_id)
    check_times(starts_at, ends_at, now)
    await _check_free(session, meeting.station_id, starts_at, ends_at, meeting.id)
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.edited_at, meeting.announced_at, meeting.reminded_at = now, None, None
    await _renotify(session, meeting.id, reset_answers=True)
    await session.flush()
    return meeting


async def edit_meeting(
    session: AsyncSession,
    meeting_id: int,
    now: datetime,
    *,
    place: str | None = None,
    topic: str | None = None,
    deputy_ids: Sequence[int] | None = None,
) -> Meeting:
    """Change the place, topic or deputies of a planned meeting."""
    meeting = await _planned(session, meeting_id)
    if meeting.ends_at <= now:
        raise MeetingError("already_over")
    if place is not None:
        meeting.place = _clean(place, MAX_PLACE, "place_too_long")
        meeting.announced_at = None
    if topic is not None:
        meeting.topic = _clean(topic, MAX_TOPIC, "topic_too_long")
    if deputy_ids is not None:
        await _check_deputies(session, meeting.station_id, deputy_ids)
        wanted = set(deputy_ids)
        await session.execute(delete(MeetingDeputy).where(
            MeetingDeputy.meeting_id == meeting.id, MeetingDeputy.deputy_id.not_in(wanted)
        ))
        have = set(await session.scalars(
            select(MeetingDeputy.deputy_id).where(MeetingDeputy.meeting_id == meeting.id)
        ))
        session.add_all(MeetingDeputy(meeting_id=meeting.id, deputy_id=d)
                        for d in dict.fromkeys(deputy_ids) if d not in have)
    meeting.edited_at = now
    if place is not None:
        await _renotify(session, meeting.id, reset_answers=False)
    await session.flush()
    return meeting


async def cancel_meeting(session: AsyncSession, meeting_id: int, now: datetime) -> Meeting:
    """Planned → cancelled (before or after its time: a meeting that did not take place)."""
    meeting = await _planned(session, meeting_id)
    meeting.status = MeetingStatus.CANCELLED
    meeting.edited_at, meeting.announced_at = now, None
    await _renotify(session, meeting.id, reset_answers=False)
    await session.flush()
    return meeting


async def respond(
    session: AsyncSession, meeting_id: int, deputy_id: int, response: DeputyResponse,
    now: datetime,
) -> MeetingDeputy:
    """A deputy's 参加 / 不能参加 to a planned meeting that has not started."""
    row = await session.get(MeetingDeputy, (meeting_id, deputy_id))
    if row is None:
        raise MeetingError("not_on_meeting")
    meeting = await _planned(session, meeting_id)
    if meeting.starts_at <= now:
        raise MeetingError("already_started")
    row.response, row.responded_at = response, now
    await session.flush()
    return row
