"""The staff group's daily digest: the day's figures, sent once a day at a set local time.

The audit log doubles as the stamp: a ``digest.sent`` entry for the local date means today's
digest is written, so restarts and repeated job runs send it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import audit
from .deadlines import local_date
from .lifecycle import OPEN, next_deadline
from .models import AuditEntry, Satisfaction, Suggestion, SuggestionStatus
from .roles import Actor
from .staff_chats import StaffArea, in_area

__all__ = ["DigestFigures", "digest_figures", "digest_owed", "mark_digest_sent", "DIGEST_WINDOW"]

_ACTION = "digest.sent"
DIGEST_WINDOW = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class DigestFigures:
    new: int  # created in the last 24 hours
    unassigned: int  # open, nobody assigned
    overdue: int  # open, past the current deadline
    resolved: int  # resolved in the last 24 hours
    rated: int  # rated in the last 24 hours …
    satisfied: int  # … of which 满意 or 基本满意
    open: int

    @property
    def empty(self) -> bool:
        """Nothing happened and nothing is waiting: no digest worth a message."""
        return not (self.new or self.open or self.resolved or self.rated)


async def digest_figures(
    session: AsyncSession, now: datetime, area: StaffArea | None = None
) -> DigestFigures:
    """The digest's figures; ``area``: only a staff group's area (None: everything)."""
    scope = in_area(area, Suggestion.station_id)

    async def _count(*where: Any) -> int:
        query = select(func.count()).select_from(Suggestion).where(scope, *where)
        return int(await session.scalar(query) or 0)

    since = now - timedelta(days=1)
    is_open = Suggestion.status.in_(OPEN)
    rated = and_(Suggestion.satisfaction.is_not(None), Suggestion.closed_at >= since,
                 Suggestion.status == SuggestionStatus.CLOSED)
    good = Suggestion.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASIC])
    return DigestFigures(
        new=await _count(Suggestion.created_at >= since, Suggestion.created_at <= now),
        unassigned=await _count(is_open, Suggestion.assignee_deputy_id.is_(None)),
        overdue=await _count(is_open, next_deadline() <= now),
        resolved=await _count(Suggestion.resolved_at >= since),
        rated=await _count(rated),
        satisfied=await _count(rated, good),
        open=await _count(is_open),
    )


async def digest_owed(
    session: AsyncSession,
    now: datetime,
    *,
    tz: ZoneInfo,
    at: time,
    window: timedelta = DIGEST_WINDOW,
    chat_id: int | None = None,
) -> str | None:
    """Today's date (ISO) when it is digest time (from ``at`` for ``window``, local time) and
    today's digest is not written yet (for the staff group ``chat_id``, when given: each bound
    group has its own). A service that was down all through the window skips that day rather
    than posting yesterday's figures at an odd hour."""
    local = now.astimezone(tz)
    start = datetime.combine(local.date(), at, tzinfo=tz)
    if not start <= local < start + window:
        return None
    day = local_date(now, tz).isoformat()
    sent = await session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == _ACTION,
                                    AuditEntry.object_id == _stamp(day, chat_id)).limit(1)
    )
    return None if sent is not None else day


def _stamp(day: str, chat_id: int | None) -> str:
    return day if chat_id is None else f"{day}@{chat_id}"


def mark_digest_sent(
    session: AsyncSession, day: str, now: datetime, chat_id: int | None = None
) -> None:
    audit.record(session, Actor.system(), _ACTION, "digest", _stamp(day, chat_id), now=now)
