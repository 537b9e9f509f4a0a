"""A ticket as people see it: the suggestion with everything around it, read in one place.

The staff card, the deputy's view of a ticket and the messages pushed about it all render from
:class:`TicketView` (``load_ticket_view``); this module only reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import (
    ActorKind,
    Attachment,
    Category,
    Community,
    Deputy,
    DeputyLevel,
    Resident,
    Station,
    Suggestion,
    TimelineEntry,
    Town,
    Visibility,
)

__all__ = [
    "TicketView",
    "load_ticket_view",
    "current_deadline",
    "is_overdue",
    "find_by_card",
    "get_suggestion",
    "ResidentNotice",
    "resident_notice",
    "notice_of_entry",
    "TimelineLine",
    "public_lines",
    "ticket_attachments",
]


@dataclass(frozen=True, slots=True)
class TicketView:
    suggestion: Suggestion
    station_name: str
    town_name: str
    community_name: str | None
    category_zh: str
    category_en: str
    addressed_name: str | None  # the one deputy the resident wrote to (None: all of them)
    addressed_level: DeputyLevel | None
    assignee_name: str | None
    assignee_linked: bool  # the assigned deputy has linked a Telegram account
    assignee_chat_id: int | None  # …that account (their private chat with the bot)
    assignee_active: bool
    duplicate_of_ticket: str | None
    timeline_count: int
    attachments: tuple[Attachment, ...]  # in the order the resident added them

    def category(self, locale: str) -> str:
        return self.category_en if locale == "en" else self.category_zh

    def count(self, kind: str) -> int:
        """How many attachments of ``kind`` (photo, voice)."""
        return sum(1 for a in self.attachments if a.kind == kind)


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


async def _deputy(session: AsyncSession, deputy_id: int | None) -> Deputy | None:
    return await session.get(Deputy, deputy_id) if deputy_id else None


async def load_ticket_view(session: AsyncSession, suggestion_id: int) -> TicketView | None:
    """Everything a card shows about one suggestion, or None when it does not exist."""
    suggestion = await session.get(Suggestion, suggestion_id, populate_existing=True)
    if suggestion is None:
        return None
    station_name, town_name, community_name = await _names(session, suggestion)
    category = await session.get(Category, suggestion.category_code)
    addressed = await _deputy(session, suggestion.addressed_deputy_id)
    assignee = await _deputy(session, suggestion.assignee_deputy_id)
    original = (
        await session.get(Suggestion, suggestion.duplicate_of_id)
        if suggestion.duplicate_of_id
        else None
    )
    entries = await session.scalar(
        select(func.count()).where(TimelineEntry.suggestion_id == suggestion.id)
    )
    attachments = await session.scalars(
        select(Attachment).where(Attachment.suggestion_id == suggestion.id).order_by(Attachment.id)
    )
    return TicketView(
        suggestion=suggestion,
        station_name=station_name,
        town_name=town_name,
        community_name=community_name,
        category_zh=category.name_zh if category is not None else suggestion.category_code,
        category_en=category.name_en if category is not None else suggestion.category_code,
        addressed_name=addressed.name if addressed is not None else None,
        addressed_level=addressed.level if addressed is not None else None,
        assignee_name=assignee.name if assignee is not None else None,
        assignee_linked=assignee is not None and assignee.telegram_user_id is not None,
        assignee_chat_id=assignee.telegram_user_id if assignee is not None else None,
        assignee_active=assignee is not None and assignee.active,
        duplicate_of_ticket=original.ticket if original is not None else None,
        timeline_count=int(entries or 0),
        attachments=tuple(attachments),
    )


async def get_suggestion(session: AsyncSession, suggestion_id: int | None) -> Suggestion | None:
    """A suggestion by its id (None for None)."""
    return await session.get(Suggestion, suggestion_id) if suggestion_id is not None else None


async def find_by_card(session: AsyncSession, chat_id: int, message_id: int) -> Suggestion | None:
    """The suggestion whose staff card is message ``message_id`` in ``chat_id``."""
    return await session.scalar(
        select(Suggestion).where(
            Suggestion.card_chat_id == chat_id, Suggestion.card_message_id == message_id
        )
    )


@dataclass(frozen=True, slots=True)
class ResidentNotice:
    """What the resident is to be told about the newest public timeline entry of their ticket."""

    chat_id: int
    resident_id: int
    locale: str
    entry: TimelineEntry
    author: str | None  # the deputy who wrote it (None: staff, signed by the station)
    station_name: str


async def _latest_public(
    session: AsyncSession, suggestion_id: int, kind: str | None
) -> TimelineEntry | None:
    query = select(TimelineEntry).where(
        TimelineEntry.suggestion_id == suggestion_id,
        TimelineEntry.visibility == Visibility.PUBLIC,
    )
    if kind is not None:
        query = query.where(TimelineEntry.kind == kind)
    query = query.order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(1)
    return await session.scalar(query)


async def resident_notice(
    session: AsyncSession, suggestion: Suggestion, kind: str | None
) -> ResidentNotice | None:
    """The newest public entry (of ``kind``, when given) to tell the resident about, with whom
    to tell; None when there is no such entry or no reachable resident (forgotten)."""
    await session.flush()
    entry = await _latest_public(session, suggestion.id, kind)
    return await notice_of_entry(session, suggestion, entry) if entry is not None else None


async def notice_of_entry(
    session: AsyncSession, suggestion: Suggestion, entry: TimelineEntry
) -> ResidentNotice | None:
    """What the resident is to be told about ``entry`` (who wrote it, where to send it); None
    when there is no reachable resident (forgotten)."""
    resident = (await session.get(Resident, suggestion.resident_id)
                if suggestion.resident_id else None)
    chat_id = (resident.chat_id or resident.telegram_user_id) if resident else None
    if resident is None or resident.forgotten_at is not None or not chat_id:
        return None
    author = None
    if entry.actor_kind is ActorKind.DEPUTY and entry.actor_id is not None:
        deputy = await session.get(Deputy, entry.actor_id)
        author = deputy.name if deputy else None
    station = await session.get(Station, suggestion.station_id) if author is None else None
    return ResidentNotice(chat_id, resident.id, resident.locale or "zh", entry, author,
                          station.name if station is not None else "")


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
