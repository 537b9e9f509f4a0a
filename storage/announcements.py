"""Announcing meetings to a station's subscribers: a new reception date, a changed one, or a
cancellation.

A meeting whose ``announced_at`` is empty and that starts within the horizon is announced once:
one ``Broadcast`` of the broadcast engine (storage.broadcasts) per round, confirmed at once so its
recipients (the station's subscribers then) are fixed, in the caller's transaction, then
``announced_at`` is stamped; the broadcast lane sends it. An import that changes a meeting's time,
place or status empties ``announced_at`` again (storage.transfer), which makes the next round a
"changed" or "cancelled" announcement. Cancelled or changed meetings that were never announced
are only stamped.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from . import broadcasts
from .models import Broadcast, Meeting, MeetingStatus, Resident, Subscription
from .reminders import DAYTIME
from .stations import PUBLIC_KINDS, MeetingView, load_meeting

__all__ = ["AnnouncementKind", "ANNOUNCEMENT_KIND", "HORIZON", "send_announcements"]

ANNOUNCEMENT_KIND = "announcement"
HORIZON = timedelta(days=31)  # meetings further ahead are announced when they come closer


class AnnouncementKind(enum.StrEnum):
    NEW = "new"
    CHANGED = "changed"
    CANCELLED = "cancelled"


# (meeting, what happened, recipient) -> sendMessage parameters (chat_id added here)
Render = Callable[[MeetingView, AnnouncementKind, Resident], dict[str, Any]]


async def _subscribers(session: AsyncSession, station_id: int) -> list[Resident]:
    query = (
        select(Resident)
        .join(Subscription, Subscription.resident_id == Resident.id)
        .where(
            Subscription.station_id == station_id,
            Resident.chat_id.is_not(None),
            Resident.blocked_at.is_(None),
            Resident.forgotten_at.is_(None),
        )
        .order_by(Resident.id)
    )
    return list((await session.scalars(query)).all())


async def _announced(session: AsyncSession, meeting_ids: list[int]) -> set[int]:
    """Which of these meetings were announced before (one query per 500, not one per meeting:
    a city's first start has thousands of new meetings)."""
    found: set[int] = set()
    for start in range(0, len(meeting_ids), 500):
        chunk = meeting_ids[start:start + 500]
        rows = await session.scalars(
            select(Broadcast.meeting_id).where(
                Broadcast.meeting_id.in_(chunk), Broadcast.kind == ANNOUNCEMENT_KIND
            )
        )
        found.update(row for row in rows if row is not None)
    return found


async def _subscribed_stations(session: AsyncSession) -> set[int]:
    """Stations that have at least one subscriber (the others have nobody to tell)."""
    return set(await session.scalars(select(Subscription.station_id).distinct()))


def _kind(meeting: Meeting, announced_before: bool) -> AnnouncementKind | None:
    """What to say about this meeting, or None when there is nothing to tell anyone."""
    if meeting.status == MeetingStatus.CANCELLED:
        return AnnouncementKind.CANCELLED if announced_before else None
    if meeting.status != MeetingStatus.PLANNED:
        return None
    return AnnouncementKind.CHANGED if announced_before else AnnouncementKind.NEW


async def send_announcements(
    session: AsyncSession, now: datetime, tz: ZoneInfo, render: Render
) -> int:
    """Start the announcements due now; returns how many recipients they have."""
    local = now.astimezone(tz).time()
    if not DAYTIME[0] <= local < DAYTIME[1]:
        return 0
    meetings = (
        await session.scalars(
            select(Meeting)
            .where(
                Meeting.announced_at.is_(None),
                Meeting.kind.in_(PUBLIC_KINDS),
                Meeting.starts_at > now,
                Meeting.starts_at <= now + HORIZON,
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .with_for_update(skip_locked=True)
        )
    ).all()
    written = 0
    announced = await _announced(session, [meeting.id for meeting in meetings]) if meetings else set()
    subscribed = await _subscribed_stations(session) if meetings else set()
    for meeting in meetings:
        kind = _kind(meeting, meeting.id in announced)
        wanted = kind is not None and meeting.station_id in subscribed
        recipients = await _subscribers(session, meeting.station_id) if wanted else []
        if kind is not None and recipients:
            written += await _announce(session, meeting, kind, recipients, now, render)
        meeting.announced_at = now
    await session.flush()
    return written


async def _announce(
    session: AsyncSession,
    meeting: Meeting,
    kind: AnnouncementKind,
    recipients: list[Resident],
    now: datetime,
    render: Render,
) -> int:
    view = await load_meeting(session, meeting.id)
    assert view is not None
    payloads: dict[str, dict[str, Any]] = {}
    for locale in ("zh", "en"):  # what one recipient receives depends only on their language
        payloads[locale] = {"method": "sendMessage",
                            "params": render(view, kind, Resident(locale=locale))}
    broadcast = await broadcasts.create_broadcast(
        session, kind=ANNOUNCEMENT_KIND, payloads=payloads,
        audience={"kind": "subscribers", "station_id": meeting.station_id}, text=kind.value,
        station_id=meeting.station_id, meeting_id=meeting.id, now=now)
    confirmed = await broadcasts.confirm(session, broadcast.id, now=now)
    return confirmed.total
