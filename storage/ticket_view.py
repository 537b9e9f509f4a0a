"""A ticket as people see it: the suggestion with the names around it, read in one place.

The staff card, the deputy's view and the digest all render from :class:`TicketView`; this module
only reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    Attachment,
    Category,
    Community,
    Deputy,
    Station,
    Suggestion,
    TimelineEntry,
    Town,
)

__all__ = ["TicketView", "load_ticket_view", "current_deadline", "is_overdue", "find_by_card",
           "TimelineLine", "public_lines", "ticket_attachments"]


@dataclass(frozen=True, slots=True)
class TicketView:
    suggestion: Suggestion
    station_name: str
    town_name: str
    community_name: str | None
    category_zh: str
    category_en: str
    assignee_name: str | None
    assignee_linked: bool
    duplicate_of_ticket: str | None
    timeline_count: int
    attachments: dict[str, int]

    def category(self, locale: str) -> str:
        return self.category_en if locale == "en" else self.category_zh


def current_deadline(suggestion: Suggestion) -> tuple[str, datetime]:
    """The deadline that matters now: ``("first_response", due)`` until somebody answered, then
    ``("resolution", due)``."""
    if suggestion.first_response_at is None:
        return "first_response", suggestion.first_response_due
    return "resolution", suggestion.resolution_due


def is_overdue(suggestion: Suggestion, now: datetime) -> bool:
    """Open and past its current deadline (resolved or finished tickets are never overdue)."""
    from .lifecycle import OPEN

    return suggestion.status in OPEN and now >= current_deadline(suggestion)[1]


async def _names(session: AsyncSession, suggestion: Suggestion) -> tuple[str, str, str | None]:
    station = await session.get(Station, suggestion.station_id)
    town = await session.get(Town, station.town_code) if station is not None else None
    community = (
        await session.get(Community, suggestion.community_code)
        if suggestion.community_code
        else None
    )
    return (
        station.name if station is not None else "",
        town.name if town is not None else "",
        community.name if community is not None else None,
    )


async def load_ticket_view(session: AsyncSession, suggestion_id: int) -> TicketView | None:
    """Everything a card shows about one suggestion, or None when it does not exist."""
    suggestion = await session.get(Suggestion, suggestion_id, populate_existing=True)
    if suggestion is None:
        return None
    station_name, town_name, community_name = await _names(session, suggestion)
    category = await session.get(Category, suggestion.category_code)
    deputy = (
        await session.get(Deputy, suggestion.assignee_deputy_id)
        if suggestion.assignee_deputy_id
        else None
    )
    original = (
        await session.get(Suggestion, suggestion.duplicate_of_id)
        if suggestion.duplicate_of_id
        else None
    )
    entries = await session.scalar(
        select(func.count()).where(TimelineEntry.suggestion_id == suggestion.id)
    )
    kinds = await session.execute(
        select(Attachment.kind, func.count())
        .where(Attachment.suggestion_id == suggestion.id)
        .group_by(Attachment.kind)
    )
    return TicketView(
        suggestion=suggestion,
        station_name=station_name,
        town_name=town_name,
        community_name=community_name,
        category_zh=category.name_zh if category is not None else suggestion.category_code,
        category_en=category.name_en if category is not None else suggestion.category_code,
        assignee_name=deputy.name if deputy is not None else None,
        assignee_linked=deputy is not None and deputy.telegram_user_id is not None,
        duplicate_of_ticket=original.ticket if original is not None else None,
        timeline_count=int(entries or 0),
        attachments={kind: int(n) for kind, n in kinds},
    )


async def find_by_card(session: AsyncSession, chat_id: int, message_id: int) -> Suggestion | None:
    """The suggestion whose staff card is message ``message_id`` in ``chat_id``."""
    return await session.scalar(
        select(Suggestion).where(
            Suggestion.card_chat_id == chat_id, Suggestion.card_message_id == message_id
        )
    )


@dataclass(frozen=True, slots=True)
class TimelineLine:
    """One public timeline entry as a deputy sees it: who (a deputy's public name, or only the
    kind of actor) and what."""

    at: datetime
    kind: str
    actor_kind: str  # resident | staff | deputy | system
    author: str | None  # a deputy's name; residents and staff stay unnamed
    text: str | None


async def public_lines(session: AsyncSession, suggestion_id: int) -> list[TimelineLine]:
    """The ticket's public timeline, oldest first, with deputies' names."""
    from .lifecycle import public_timeline
    from .models import ActorKind

    entries = await public_timeline(session, suggestion_id)
    ids = {e.actor_id for e in entries if e.actor_kind is ActorKind.DEPUTY and e.actor_id}
    names: dict[int, str] = {}
    if ids:
        rows = await session.execute(select(Deputy.id, Deputy.name).where(Deputy.id.in_(ids)))
        names = {deputy_id: name for deputy_id, name in rows}
    return [
        TimelineLine(at=e.at, kind=e.kind, actor_kind=e.actor_kind.value,
                     author=names.get(e.actor_id) if e.actor_kind is ActorKind.DEPUTY and e.actor_id
                     else None, text=e.text)
        for e in entries
    ]


async def ticket_attachments(session: AsyncSession, suggestion_id: int) -> Sequence[Attachment]:
    """The suggestion's photos, voice messages and documents, in the order they were given."""
    return (await session.scalars(
        select(Attachment).where(Attachment.suggestion_id == suggestion_id).order_by(Attachment.id)
    )).all()
