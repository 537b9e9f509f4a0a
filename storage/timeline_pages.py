"""A ticket's whole timeline as staff read it, a page at a time: public and internal entries in
order, each with when and who (a deputy's or staff member's name; the resident stays "the
resident")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import ActorKind, Deputy, Staff, Suggestion, TimelineEntry, Visibility

__all__ = ["StaffLine", "TimelinePage", "staff_timeline_page", "PER_PAGE"]

PER_PAGE = 8  # eight entries of up to a few hundred characters stay far below 4096


@dataclass(frozen=True, slots=True)
class StaffLine:
    at: datetime
    kind: str
    internal: bool
    actor_kind: str  # resident | staff | deputy | system
    author: str | None  # a deputy's or staff member's name, when known
    text: str | None


@dataclass(frozen=True, slots=True)
class TimelinePage:
    suggestion: Suggestion
    lines: tuple[StaffLine, ...]
    page: int  # from 0
    pages: int
    total: int


async def _authors(session: AsyncSession, entries: list[TimelineEntry]) -> dict[int, str]:
    """Names of the deputies and staff members among ``entries``, by entry id."""
    wanted = {kind: {e.actor_id for e in entries if e.actor_kind is kind and e.actor_id}
              for kind in (ActorKind.DEPUTY, ActorKind.STAFF)}
    deputies: dict[int, str] = {}
    staff: dict[int, str] = {}
    if wanted[ActorKind.DEPUTY]:
        rows = await session.execute(select(Deputy.id, Deputy.name)
                                     .where(Deputy.id.in_(wanted[ActorKind.DEPUTY])))
        deputies = {i: n for i, n in rows}
    if wanted[ActorKind.STAFF]:
        rows = await session.execute(select(Staff.id, Staff.display_name)
                                     .where(Staff.id.in_(wanted[ActorKind.STAFF])))
        staff = {i: n for i, n in rows if n}
    names: dict[int, str] = {}
    for e in entries:
        source = deputies if e.actor_kind is ActorKind.DEPUTY else staff
        if e.actor_id is not None and e.actor_id in source and e.actor_kind in wanted:
            names[e.id] = source[e.actor_id]
    return names


async def staff_timeline_page(
    session: AsyncSession, suggestion_id: int, page: int, *, per_page: int = PER_PAGE
) -> TimelinePage | None:
    """Page ``page`` (from 0, clamped to the last) of the ticket's timeline, oldest first;
    None when there is no such ticket."""
    suggestion = await session.get(Suggestion, suggestion_id)
    if suggestion is None:
        return None
    total = int(await session.scalar(
        select(func.count()).select_from(TimelineEntry)
        .where(TimelineEntry.suggestion_id == suggestion_id)) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 0), pages - 1)
    entries = list((await session.scalars(
        select(TimelineEntry).where(TimelineEntry.suggestion_id == suggestion_id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
        .offset(page * per_page).limit(per_page))).all())
    names = await _authors(session, entries)
    lines = tuple(
        StaffLine(at=e.at, kind=e.kind, internal=e.visibility is Visibility.INTERNAL,
                  actor_kind=e.actor_kind.value, author=names.get(e.id), text=e.text)
        for e in entries
    )
    return TimelinePage(suggestion, lines, page, pages, total)
