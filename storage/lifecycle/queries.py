"""Reading suggestions: by ticket, per resident, per deputy (oldest deadline first), timelines,
today's count for the daily limit, and what is overdue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..deadlines import Deadlines
from ..models import Suggestion, TimelineEntry, Visibility
from ..tickets import normalise_ticket
from .rules import OPEN

__all__ = [
    "get_by_ticket",
    "list_for_resident",
    "list_for_deputy",
    "public_timeline",
    "full_timeline",
    "count_today",
    "due_by",
    "overdue",
    "next_deadline",
]


def next_deadline() -> ColumnElement[datetime]:
    """The deadline that matters now: first response until there is one, then resolution."""
    return case(
        (Suggestion.first_response_at.is_(None), Suggestion.first_response_due),
        else_=Suggestion.resolution_due,
    )


async def get_by_ticket(session: AsyncSession, ticket: str) -> Suggestion | None:
    """The suggestion with this ticket number (typed forms like ``#2025-123`` accepted)."""
    normalised = normalise_ticket(ticket)
    if normalised is None:
        return None
    return await session.scalar(select(Suggestion).where(Suggestion.ticket == normalised))


async def list_for_resident(
    session: AsyncSession, resident_id: int, *, limit: int = 50
) -> Sequence[Suggestion]:
    """The resident's own suggestions, newest first."""
    query = (
        select(Suggestion)
        .where(Suggestion.resident_id == resident_id)
        .order_by(Suggestion.created_at.desc(), Suggestion.id.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def list_for_deputy(
    session: AsyncSession, deputy_id: int, open_only: bool = True, *, limit: int = 100
) -> Sequence[Suggestion]:
    """Suggestions assigned to the deputy, the one whose deadline comes first on top."""
    query = select(Suggestion).where(Suggestion.assignee_deputy_id == deputy_id)
    if open_only:
        query = query.where(Suggestion.status.in_(OPEN))
    query = query.order_by(next_deadline(), Suggestion.id).limit(limit)
    return (await session.scalars(query)).all()


async def _timeline(
    session: AsyncSession, suggestion_id: int, *, public_only: bool
) -> Sequence[TimelineEntry]:
    query = select(TimelineEntry).where(TimelineEntry.suggestion_id == suggestion_id)
    if public_only:
        query = query.where(TimelineEntry.visibility == Visibility.PUBLIC)
    return (await session.scalars(query.order_by(TimelineEntry.at, TimelineEntry.id))).all()


async def public_timeline(session: AsyncSession, suggestion_id: int) -> Sequence[TimelineEntry]:
    """What the resident may see, oldest first (internal notes and triage are left out)."""
    return await _timeline(session, suggestion_id, public_only=True)


async def full_timeline(session: AsyncSession, suggestion_id: int) -> Sequence[TimelineEntry]:
    """Everything, for staff and the assigned deputy."""
    return await _timeline(session, suggestion_id, public_only=False)


async def count_today(
    session: AsyncSession, resident_id: int, now: datetime, tz: ZoneInfo
) -> int:
    """Suggestions the resident created since 00:00 today in the district (daily limit)."""
    start = Deadlines(tz=tz).today_start(now)
    query = select(func.count()).where(
        Suggestion.resident_id == resident_id,
        Suggestion.created_at >= start,
        Suggestion.created_at <= now,
    )
    return int(await session.scalar(query) or 0)


async def due_by(
    session: AsyncSession, moment: datetime, *, limit: int = 500
) -> Sequence[Suggestion]:
    """Open suggestions whose current deadline falls at or before ``moment`` (for reminders
    ahead of a deadline, pass a moment in the future), earliest deadline first."""
    deadline = next_deadline()
    query = (
        select(Suggestion)
        .where(Suggestion.status.in_(OPEN), deadline <= moment)
        .order_by(deadline, Suggestion.id)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def overdue(
    session: AsyncSession, now: datetime, *, limit: int = 500
) -> Sequence[Suggestion]:
    """Open suggestions past their current deadline: no first response by its due time, or not
    resolved by the resolution deadline. Resolved ones (awaiting a rating) are not overdue."""
    return await due_by(session, now, limit=limit)
