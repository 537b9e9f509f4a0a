"""代录: a suggestion recorded by a staff member or a deputy for a resident without Telegram.

It gets a ticket number and deadlines and goes through triage like any other. The resident's
name and phone are kept only when given with the resident's spoken consent (``consent``); the
answer reaches them by phone or in person (``answer_channel``), and whoever phones them records
the answer as a reply, which stamps the first response, so the three rates count it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from .deadlines import Deadlines
from .lifecycle.apply import clean_text
from .lifecycle.create import MAX_SUGGESTION_TEXT, _record_creation
from .lifecycle.errors import LifecycleError
from .meeting_rules import MeetingError
from .models import (
    ActorKind,
    AnswerChannel,
    Category,
    Meeting,
    MeetingStatus,
    Station,
    Suggestion,
    SuggestionStatus,
)
from .roles import Actor
from .tickets import next_ticket

__all__ = ["record_on_behalf", "MAX_NAME", "MAX_PHONE"]

MAX_NAME = 64
MAX_PHONE = 32


def _contact(name: str | None, phone: str | None, consent: bool) -> tuple[str | None, str | None]:
    if not consent:
        return None, None
    name = " ".join((name or "").split())[:MAX_NAME] or None
    phone = "".join(ch for ch in (phone or "") if ch.isdigit() or ch in "+-")[:MAX_PHONE] or None
    return name, phone


async def record_on_behalf(
    session: AsyncSession,
    actor: Actor,
    *,
    station_id: int,
    category_code: str,
    text: str,
    now: datetime,
    deadlines: Deadlines,
    answer_channel: AnswerChannel,
    meeting_id: int | None = None,
    name: str | None = None,
    phone: str | None = None,
    consent: bool = False,
) -> Suggestion:
    """A new suggestion with ``on_behalf`` set, recorded by ``actor`` (staff or deputy)."""
    if actor.kind not in (ActorKind.STAFF, ActorKind.DEPUTY):
        raise LifecycleError("not_allowed", action="record_on_behalf")
    if answer_channel == AnswerChannel.TELEGRAM:
        raise LifecycleError("bad_channel")
    body = clean_text(text, limit=MAX_SUGGESTION_TEXT)
    if await session.get(Station, station_id) is None:
        raise LifecycleError("unknown_station")
    if await session.get(Category, category_code) is None:
        raise LifecycleError("unknown_category", code=category_code)
    if meeting_id is not None:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None or meeting.station_id != station_id:
            raise MeetingError("unknown_meeting")
        if meeting.status == MeetingStatus.CANCELLED:
            raise MeetingError("already_cancelled")
    contact_name, contact_phone = _contact(name, phone, consent)
    suggestion = Suggestion(
        ticket=await next_ticket(session, deadlines.year(now)), resident_id=None,
        station_id=station_id, category_code=category_code, text=body,
        share_identity=contact_name is not None or contact_phone is not None,
        contact_name=contact_name, contact_phone=contact_phone, status=SuggestionStatus.NEW,
        created_at=now, updated_at=now, first_response_due=deadlines.first_response_due(now),
        resolution_due=deadlines.resolution_due(now), on_behalf=True,
        recorded_by_kind=actor.kind, recorded_by_id=actor.id, meeting_id=meeting_id,
        answer_channel=answer_channel,
    )
    session.add(suggestion)
    await session.flush()
    _record_creation(session, suggestion, actor, (), now)
    await session.flush()
    return suggestion
